import assert from "node:assert/strict";
import { test } from "node:test";
import { percentile, TrafficWindow } from "./traffic-window.js";

test("nearest-rank percentiles", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 0.5), 50);
  assert.equal(percentile(values, 0.99), 99);
  assert.equal(percentile([7], 0.99), 7);
  assert.equal(percentile([], 0.5), null);
});

test("a window counts whole seconds before now: rate, percentiles, errors", () => {
  const window = new TrafficWindow();
  const at = (second: number, ms = 0) => second * 1000 + ms;
  for (let i = 0; i < 100; i++) window.record(at(10, i), { latencyMs: i + 1, status: 200 });
  for (let i = 0; i < 100; i++) {
    window.record(at(11, i), { latencyMs: null, status: i < 10 ? 503 : 0 });
  }
  window.record(at(12), { latencyMs: 1000, status: 200 }); // the current second: not yet counted
  const summary = window.summary(at(12, 500), 2);
  assert.equal(summary.requestsPerSecond, 100);
  assert.equal(summary.p50Ms, 50);
  assert.equal(summary.p99Ms, 99);
  assert.equal(summary.errorRate, 0.5);
  assert.deepEqual(window.summary(at(30), 2), {
    requestsPerSecond: 0,
    p50Ms: null,
    p99Ms: null,
    errorRate: 0,
  });
});

test("a busy second keeps a bounded, uniform sample of its latencies", () => {
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const window = new TrafficWindow(10, random);
  for (let i = 0; i < 20_000; i++) window.record(5_000, { latencyMs: i % 100, status: 200 });
  const summary = window.summary(6_000, 1);
  assert.equal(summary.requestsPerSecond, 20_000);
  assert.ok(Math.abs((summary.p50Ms ?? 0) - 50) <= 3, `p50 ${summary.p50Ms}`);
});
