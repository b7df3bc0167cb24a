import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ContainerHealthState, foldHealth, INITIAL_HEALTH } from "./container-health.js";
import {
  foldTargetHealth,
  INITIAL_TARGET,
  matchesHttpCode,
  routableTargets,
  type TargetHealthState,
} from "./target-health.js";

const check = { retries: 3, startPeriodMs: 10_000 };

function run(results: [ok: boolean, atMs: number][]): ContainerHealthState {
  return results.reduce(
    (state, [ok, sinceStartMs]) => foldHealth(state, { ok, sinceStartMs }, check),
    INITIAL_HEALTH,
  );
}

describe("container health checks", () => {
  test("failures inside the start period do not count", () => {
    assert.equal(
      run([
        [false, 1],
        [false, 2],
        [false, 3],
        [false, 4],
      ]).status,
      "UNKNOWN",
    );
  });
  test("a success inside the start period makes the container healthy", () => {
    assert.equal(
      run([
        [false, 1],
        [true, 2],
      ]).status,
      "HEALTHY",
    );
  });
  test("`retries` failures in a row after the start period make it unhealthy", () => {
    assert.equal(
      run([
        [false, 11_000],
        [false, 12_000],
      ]).status,
      "UNKNOWN",
    );
    assert.equal(
      run([
        [false, 11_000],
        [false, 12_000],
        [false, 13_000],
      ]).status,
      "UNHEALTHY",
    );
  });
  test("once healthy, failures count even inside the start period", () => {
    assert.equal(
      run([
        [true, 1],
        [false, 2],
        [false, 3],
        [false, 4],
      ]).status,
      "UNHEALTHY",
    );
  });
  test("a success resets the streak", () => {
    const state = run([
      [true, 1],
      [false, 20_000],
      [false, 21_000],
      [true, 22_000],
      [false, 23_000],
    ]);
    assert.deepEqual([state.status, state.consecutiveFailures], ["HEALTHY", 1]);
  });
});

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
