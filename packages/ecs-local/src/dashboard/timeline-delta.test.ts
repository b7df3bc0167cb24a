import assert from "node:assert/strict";
import { test } from "node:test";
import type { TimelineView } from "../api/control-plane-view.js";
import { timelineSince } from "./timeline-delta.js";

const point = (second: number, desired = 1) => ({
  at: new Date(Date.UTC(2025, 0, 1, 12, 0, second)).toISOString(),
  desired,
  running: 1,
  policies: {},
});

test("the first send has every point; later ones only the new points, targets each time", () => {
  const view: TimelineView = {
    services: [
      { name: "api", targets: { Cpu: 50 }, points: [point(0), point(1)] },
      { name: "web", targets: {}, points: [] },
    ],
  };
  const first = timelineSince(view, new Map());
  assert.deepEqual(first.delta, { services: [view.services[0]] });
  assert.deepEqual([...first.sent], [["api", point(1).at]]);

  const nothingNew = timelineSince(view, first.sent);
  assert.deepEqual(nothingNew.delta, { services: [] });
  assert.equal(nothingNew.sent.get("api"), point(1).at);

  const later: TimelineView = {
    services: [
      // The oldest point has aged out of the view: no matter, only newer ones are sent.
      { name: "api", targets: { Cpu: 60 }, points: [point(1), point(2, 2)] },
      { name: "web", targets: {}, points: [point(2)] },
    ],
  };
  const second = timelineSince(later, first.sent);
  assert.deepEqual(second.delta, {
    services: [
      { name: "api", targets: { Cpu: 60 }, points: [point(2, 2)] },
      { name: "web", targets: {}, points: [point(2)] },
    ],
  });
  // The input map is left as it was.
  assert.equal(first.sent.get("web"), undefined);
});
