import assert from "node:assert/strict";
import { test } from "node:test";
import { periodMsOf, trackingCapacity } from "./target-tracking.js";

test("the worked examples of the reference", () => {
  // 1 task at 100 % CPU, target 50 → 2 tasks; 4 tasks at 30 %, target 50 → ceil(2.4) = 3.
  assert.deepEqual(trackingCapacity(1, 100, 50, "out"), { type: "capacity", capacity: 2 });
  assert.deepEqual(trackingCapacity(4, 30, 50, "in"), { type: "capacity", capacity: 3 });
});

test("scale-out is proportional and rounds up; scale-in rounds the capacity up too", () => {
  const table: [
    running: number,
    metric: number,
    target: number,
    dir: "out" | "in",
    capacity: number,
  ][] = [
    [1, 23, 20, "out", 2],
    [2, 30, 20, "out", 3],
    [2, 80, 20, "out", 8],
    [5, 21, 20, "out", 6],
    [3, 10, 20, "in", 2],
    [5, 2, 20, "in", 1],
    [4, 25, 50, "in", 2],
    [2, 17, 20, "in", 2],
  ];
  for (const [running, metric, target, dir, capacity] of table) {
    assert.deepEqual(
      trackingCapacity(running, metric, target, dir),
      { type: "capacity", capacity },
      `${running} tasks at ${metric} % of ${target} % (${dir})`,
    );
  }
});

test("from zero tasks, a scale-out starts with one", () => {
  assert.deepEqual(trackingCapacity(0, 90, 50, "out"), { type: "capacity", capacity: 1 });
});

test("periods: 60 s, or 20 s for the high-resolution metric types", () => {
  assert.equal(periodMsOf("ECSServiceAverageMemoryUtilization"), 60_000);
  assert.equal(periodMsOf("ALBRequestCountPerTarget"), 60_000);
  assert.equal(periodMsOf("ECSServiceAverageCPUUtilizationHighResolution"), 20_000);
});
