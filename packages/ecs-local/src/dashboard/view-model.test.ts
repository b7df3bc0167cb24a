import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TrafficEdgeView } from "../api/control-plane-view.js";
import {
  applyMessage,
  EMPTY_STATE,
  formatMs,
  formatPercent,
  formatRate,
  KEEP,
  logsOf,
  mergeTimeline,
  type TimelineService,
  timelineChart,
  timelineSummary,
  trafficChart,
  trafficSummary,
  usageCells,
} from "./view-model.js";

const edge = (overrides: Partial<TrafficEdgeView> = {}): TrafficEdgeView => ({
  kind: "service-connect",
  from: "client",
  to: "api",
  via: "api.local",
  requestsPerSecond: 12.5,
  p50Ms: 1.2,
  p99Ms: 8,
  errorRate: 0,
  ...overrides,
});

const at = (second: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, second)).toISOString();

const apiTimeline: TimelineService = {
  name: "api",
  targets: { Cpu: 50 },
  points: [
    { at: at(0), desired: 1, running: 1, policies: { Cpu: 10 } },
    { at: at(30), desired: 2, running: 1, policies: { Cpu: 80 } },
  ],
};

describe("formatting", () => {
  for (const [value, text] of [
    [0, "0.0"],
    [3.04, "3.0"],
    [12.6, "13"],
    [12345, "12,345"],
  ] as const) {
    test(`formatRate(${value}) = ${text}`, () => assert.equal(formatRate(value), text));
  }
  for (const [value, text] of [
    [null, "—"],
    [0.42, "0.4 ms"],
    [42.4, "42 ms"],
    [1234, "1.23 s"],
  ] as const) {
    test(`formatMs(${value}) = ${text}`, () => assert.equal(formatMs(value), text));
  }
  for (const [value, text] of [
    [0, "0 %"],
    [0.025, "2.5 %"],
    [0.5, "50 %"],
    [1, "100 %"],
  ] as const) {
    test(`formatPercent(${value}) = ${text}`, () => assert.equal(formatPercent(value), text));
  }

  test("usage is said against the task's reservation; no sample, no cell", () => {
    const cells = usageCells({
      service: "api",
      taskId: "t1",
      cpuUnits: 64,
      memoryMiB: 5.5,
      reservedCpuUnits: 256,
      reservedMemoryMiB: 512,
    });
    assert.deepEqual(cells, {
      cpu: { text: "64 / 256 units (25 %)", share: 0.25 },
      memory: { text: "5.5 / 512 MiB (1.1 %)", share: 5.5 / 512 },
    });
    assert.equal(usageCells(undefined), undefined);
  });
});

describe("applyMessage", () => {
  test("timeline points are appended, and a reset starts over", () => {
    const first = applyMessage(EMPTY_STATE, {
      type: "timeline",
      reset: true,
      timeline: { services: [{ ...apiTimeline, points: apiTimeline.points.slice(0, 1) }] },
    });
    const second = applyMessage(first, {
      type: "timeline",
      reset: false,
      timeline: { services: [{ ...apiTimeline, points: apiTimeline.points.slice(1) }] },
    });
    assert.deepEqual(second.timeline, [apiTimeline]);
    const reset = applyMessage(second, {
      type: "timeline",
      reset: true,
      timeline: { services: [] },
    });
    assert.deepEqual(reset.timeline, []);
  });

  test("events and log lines accumulate up to their limit; a reset replaces them", () => {
    let state = EMPTY_STATE;
    const lines = Array.from({ length: KEEP.logLines + 5 }, (_, i) => `api/t1 | line ${i}`);
    state = applyMessage(state, { type: "logs", reset: false, lines });
    assert.equal(state.logs.length, KEEP.logLines);
    assert.equal(state.logs.at(-1), `api/t1 | line ${KEEP.logLines + 4}`);
    state = applyMessage(state, { type: "logs", reset: true, lines: ["web/t2 | hello"] });
    assert.deepEqual(state.logs, ["web/t2 | hello"]);

    const event = { at: at(1), service: "api", kind: "service" as const, message: "m" };
    state = applyMessage(state, { type: "events", reset: true, events: [event] });
    state = applyMessage(state, { type: "events", reset: false, events: [event] });
    assert.equal(state.events.length, 2);
  });

  test("traffic snapshots build the chart's history; usage is kept by task", () => {
    let state = EMPTY_STATE;
    for (const second of [0, 1, 2]) {
      state = applyMessage(state, {
        type: "traffic",
        traffic: { at: at(second), windowSeconds: 5, edges: second === 0 ? [] : [edge()] },
      });
    }
    assert.equal(state.trafficHistory.length, 3);
    const usage = {
      service: "api",
      taskId: "t1",
      cpuUnits: 1,
      memoryMiB: 2,
      reservedCpuUnits: 256,
      reservedMemoryMiB: 512,
    };
    state = applyMessage(state, { type: "usage", usage: [usage] });
    assert.deepEqual(state.usage, { t1: usage });
  });
});

describe("charts", () => {
  test("the traffic chart has one series per edge, null where an edge had no snapshot", () => {
    const alb = edge({ kind: "alb", from: "Stack/Alb", via: "Stack/Alb/Http/Api" });
    const chart = trafficChart([
      { at: 1_000, edges: [alb] },
      { at: 2_000, edges: [alb, edge({ requestsPerSecond: 3 })] },
    ]);
    assert.deepEqual(chart.x, [1, 2]);
    assert.deepEqual(
      chart.series.map((series) => [series.label, series.values]),
      [
        ["ALB Stack/Alb → api", [12.5, 12.5]],
        ["client → api (api.local)", [null, 3]],
      ],
    );
  });

  test("the timeline chart draws tasks on the left and each metric and its target on the right", () => {
    const chart = timelineChart(apiTimeline);
    assert.equal(chart.x.length, 2);
    assert.deepEqual(
      chart.series.map((series) => [
        series.label,
        series.axis ?? "left",
        series.dashed ?? false,
        series.values,
      ]),
      [
        ["desired tasks", "left", true, [1, 2]],
        ["running tasks", "left", false, [1, 1]],
        ["Cpu metric", "right", false, [10, 80]],
        ["Cpu target", "right", true, [50, 50]],
      ],
    );
  });

  test("summaries say the latest values in words", () => {
    assert.equal(
      timelineSummary(apiTimeline),
      "api: 2 desired, 1 running; Cpu at 80.0 against 50; 2 samples over 0.5 min.",
    );
    assert.equal(timelineSummary({ name: "web", targets: {}, points: [] }), "web: no sample yet.");
    assert.equal(
      trafficSummary({ at: at(0), windowSeconds: 5, edges: [edge()] }),
      "Over the last 5 s: client → api (api.local): 13 requests/s, 0 % errors.",
    );
    assert.equal(trafficSummary(undefined), "No traffic edge yet.");
  });
});

test("logsOf keeps one service's lines, or all", () => {
  const lines = ["api/t1 | a", "apiary/t2 | b", "web/t3 | c"];
  assert.deepEqual(logsOf(lines, "api"), ["api/t1 | a"]);
  assert.deepEqual(logsOf(lines, ""), lines);
});

test("mergeTimeline keeps services sorted by name", () => {
  const merged = mergeTimeline(
    [],
    { services: [{ ...apiTimeline, name: "web" }, apiTimeline] },
    false,
  );
  assert.deepEqual(
    merged.map((service) => service.name),
    ["api", "web"],
  );
});
