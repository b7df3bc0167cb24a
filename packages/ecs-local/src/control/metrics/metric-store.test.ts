import assert from "node:assert/strict";
import { test } from "node:test";
import type { EmulatedMetric } from "../../model/types.js";
import { MetricStore, type TaskSample } from "./metric-store.js";

const memory: EmulatedMetric = {
  namespace: "AWS/ECS",
  name: "MemoryUtilization",
  serviceId: "Api",
};
const cpu: EmulatedMetric = { namespace: "AWS/ECS", name: "CPUUtilization", serviceId: "Api" };
const task = (memoryMiB: number, cpuUnits = 0): TaskSample => ({
  cpuUnits,
  memoryMiB,
  reservedCpuUnits: 256,
  reservedMemoryMiB: 512,
});

test("service utilization is Σ used / Σ reserved over the period's samples (§1.2)", () => {
  const store = new MetricStore();
  // First minute: one task using 128 of 512 MiB, then two tasks using 64 each.
  store.addServiceSample("Api", 5_000, [task(128, 256)]);
  store.addServiceSample("Api", 45_000, [task(64, 64), task(64, 64)]);
  const [minute] = store.datapoints(memory, "Average", 60_000, 1, 60_000);
  assert.equal(minute, (100 * (128 + 128)) / (512 + 1024));
  const [cpuMinute] = store.datapoints(cpu, "Average", 60_000, 1, 60_000);
  assert.equal(cpuMinute, (100 * (256 + 128)) / (256 + 512));
  assert.deepEqual(store.datapoints(memory, "Maximum", 60_000, 1, 60_000), [25]);
  assert.deepEqual(store.datapoints(memory, "Minimum", 60_000, 1, 60_000), [12.5]);
  assert.deepEqual(store.datapoints(memory, "SampleCount", 60_000, 1, 60_000), [1.5]);
});

test("only complete periods count, a period without a running task has no datapoint", () => {
  const store = new MetricStore();
  store.addServiceSample("Api", 10_000, [task(256)]);
  store.addServiceSample("Api", 130_000, [task(128)]);
  assert.deepEqual(store.datapoints(memory, "Average", 60_000, 3, 179_000), [
    undefined,
    50,
    undefined,
  ]);
  assert.deepEqual(store.datapoints(memory, "Average", 60_000, 3, 180_000), [50, undefined, 25]);
  store.addServiceSample("Api", 185_000, []);
  assert.deepEqual(store.datapoints(memory, "Average", 60_000, 1, 240_000), [undefined]);
});

test("high-resolution periods of 20 s read single bins", () => {
  const store = new MetricStore();
  store.addServiceSample("Api", 21_000, [task(512)]);
  store.addServiceSample("Api", 41_000, [task(256)]);
  assert.deepEqual(store.datapoints(memory, "Average", 20_000, 2, 60_000), [100, 50]);
});

test("requests per target: the group's requests over its mean healthy targets; none without requests", () => {
  const store = new MetricStore();
  const perTarget: EmulatedMetric = {
    namespace: "AWS/ApplicationELB",
    name: "RequestCountPerTarget",
    targetGroupId: "Web",
  };
  const total: EmulatedMetric = { ...perTarget, name: "RequestCount" };
  store.addTargetGroupSample("Web", 1_000, { requests: 300, healthy: 2, unhealthy: 0 });
  store.addTargetGroupSample("Web", 30_000, { requests: 300, healthy: 2, unhealthy: 0 });
  store.addTargetGroupSample("Web", 70_000, { requests: 0, healthy: 2, unhealthy: 0 });
  assert.deepEqual(store.datapoints(total, "Sum", 60_000, 2, 120_000), [600, undefined]);
  assert.deepEqual(store.datapoints(perTarget, "Sum", 60_000, 1, 60_000), [300]);
  // Each request is a sample of 1 (the ALB's own note on RequestCount's statistics).
  assert.deepEqual(store.datapoints(total, "SampleCount", 60_000, 1, 60_000), [600]);
  assert.deepEqual(store.datapoints(total, "Average", 60_000, 1, 60_000), [1]);
  assert.deepEqual(store.datapoints(total, "Maximum", 60_000, 1, 60_000), [1]);
});

test("healthy and unhealthy host counts have a datapoint in every sampled period, requests or not", () => {
  const store = new MetricStore();
  const healthy: EmulatedMetric = {
    namespace: "AWS/ApplicationELB",
    name: "HealthyHostCount",
    targetGroupId: "Web",
  };
  const unhealthy: EmulatedMetric = { ...healthy, name: "UnHealthyHostCount" };
  store.addTargetGroupSample("Web", 1_000, { requests: 0, healthy: 1, unhealthy: 1 });
  store.addTargetGroupSample("Web", 30_000, { requests: 0, healthy: 2, unhealthy: 0 });
  store.addTargetGroupSample("Web", 50_000, { requests: 5, healthy: 3, unhealthy: 0 });
  const minute = (metric: EmulatedMetric, statistic: Parameters<MetricStore["datapoints"]>[1]) =>
    store.datapoints(metric, statistic, 60_000, 1, 60_000)[0];
  assert.equal(minute(healthy, "Average"), 2);
  assert.equal(minute(healthy, "Minimum"), 1);
  assert.equal(minute(healthy, "Maximum"), 3);
  assert.equal(minute(healthy, "SampleCount"), 3);
  assert.equal(minute(healthy, "Sum"), 6);
  assert.equal(minute(unhealthy, "Average"), 1 / 3);
  assert.equal(minute(unhealthy, "Maximum"), 1);
  assert.equal(minute(unhealthy, "Minimum"), 0);
  assert.deepEqual(store.datapoints(healthy, "Average", 60_000, 1, 120_000), [undefined]);
});

test("observed series give every statistic over a period's observations", () => {
  const store = new MetricStore();
  const series = "TargetResponseTime TargetDiscoveryName=api";
  const metric: EmulatedMetric = { namespace: "AWS/ECS", name: "TargetResponseTime", series };
  for (const [at, value] of [
    [1_000, 4],
    [15_000, 2],
    [25_000, 9],
  ] as const) {
    store.observe(series, at, value);
  }
  const at = (statistic: "Sum" | "SampleCount" | "Average" | "Minimum" | "Maximum") =>
    store.datapoints(metric, statistic, 20_000, 2, 40_000);
  assert.deepEqual(at("Sum"), [6, 9]);
  assert.deepEqual(at("SampleCount"), [2, 1]);
  assert.deepEqual(at("Average"), [3, 9]);
  assert.deepEqual(at("Minimum"), [2, 9]);
  assert.deepEqual(at("Maximum"), [4, 9]);
  assert.deepEqual(store.datapoints(metric, "Sum", 20_000, 1, 60_000), [undefined]);
});
