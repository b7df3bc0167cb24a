import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ContainerHealthState, foldHealth, INITIAL_HEALTH } from "./container-health.js";

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
