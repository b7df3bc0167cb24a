import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  foldTargetHealth,
  INITIAL_TARGET,
  matchesHttpCode,
  routableTargets,
  type TargetHealthState,
} from "./target-health.js";

describe("target group health", () => {
  const thresholds = { healthyThreshold: 2, unhealthyThreshold: 2 };
  const fold = (oks: boolean[]) =>
    oks.reduce<TargetHealthState>(
      (s, ok) => foldTargetHealth(s, { ok, reason: ok ? undefined : "503" }, thresholds),
      INITIAL_TARGET,
    );

  test("a new target becomes healthy after one passing check", () => {
    assert.equal(fold([]).status, "initial");
    assert.equal(fold([true]).status, "healthy");
  });
  test("an unhealthy target needs the healthy threshold of passes in a row", () => {
    assert.equal(fold([false, false, true]).status, "unhealthy");
    assert.equal(fold([false, false, true, true]).status, "healthy");
  });
  test("becomes unhealthy after the unhealthy threshold and keeps the reason", () => {
    const state = fold([true, true, false, false]);
    assert.deepEqual([state.status, state.reason], ["unhealthy", "503"]);
  });
  test("fails open when no target is healthy", () => {
    const targets = [
      { id: "a", health: fold([false, false]) },
      { id: "b", health: fold([false, false]) },
    ];
    assert.deepEqual(
      routableTargets(targets).map((t) => t.id),
      ["a", "b"],
    );
  });
  test("routes only to healthy targets when there are some, never to draining ones", () => {
    const targets = [
      { id: "a", health: fold([true, true]) },
      { id: "b", health: fold([false, false]) },
      { id: "c", health: { ...fold([true, true]), status: "draining" as const } },
    ];
    assert.deepEqual(
      routableTargets(targets).map((t) => t.id),
      ["a"],
    );
  });
  test("matchers: single codes, ranges and lists", () => {
    const table: [string, number, boolean][] = [
      ["200", 200, true],
      ["200", 204, false],
      ["200-299", 204, true],
      ["200-299", 302, false],
      ["200,302", 302, true],
      ["200,302", 404, false],
    ];
    for (const [matcher, status, expected] of table) {
      assert.equal(matchesHttpCode(matcher, status), expected, `${matcher} vs ${status}`);
    }
  });
});
