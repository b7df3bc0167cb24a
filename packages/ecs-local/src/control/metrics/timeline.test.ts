import assert from "node:assert/strict";
import { test } from "node:test";
import { Timeline } from "./timeline.js";

test("a timeline keeps one point per sample and service, the newest `capacity` of them", () => {
  const timeline = new Timeline(2);
  const sample = (desired: number, value?: number) => [
    {
      service: "api",
      desired,
      running: desired - 1,
      policies: [{ name: "memory", target: 20, ...(value === undefined ? {} : { value }) }],
    },
  ];
  timeline.add(Date.UTC(2026, 10, 27, 12, 0, 0), sample(1));
  timeline.add(Date.UTC(2026, 10, 27, 12, 0, 1), sample(2, 25.5));
  timeline.add(Date.UTC(2026, 10, 27, 12, 0, 2), sample(3, 19));
  const [api] = timeline.view().services;
  assert.deepEqual(api?.targets, { memory: 20 });
  assert.deepEqual(api?.points, [
    { at: "2026-11-27T12:00:01.000Z", desired: 2, running: 1, policies: { memory: 25.5 } },
    { at: "2026-11-27T12:00:02.000Z", desired: 3, running: 2, policies: { memory: 19 } },
  ]);
});
