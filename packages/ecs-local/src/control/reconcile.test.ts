import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backoffUntil, DEFAULT_BACKOFF, formatPlan, reconcile } from "./reconcile.js";
import type { HealthStatus, TaskStatus, TaskView } from "./task-state.js";

function task(
  id: string,
  createdAt: number,
  health: HealthStatus = "HEALTHY",
  status: TaskStatus = "RUNNING",
  desiredStatus: "RUNNING" | "STOPPED" = "RUNNING",
): TaskView {
  return { id, service: "backend-service", status, health, createdAt, desiredStatus };
}

const base = { service: "backend-service", dependenciesReady: true };
const now = 100_000;

const cases: {
  name: string;
  desiredCount: number;
  tasks: TaskView[];
  failures?: number;
  lastFailureAt?: number;
  dependenciesReady?: boolean;
  maximumPercent?: number;
  plan: string;
}[] = [
  {
    name: "starts the desired count from nothing",
    desiredCount: 2,
    tasks: [],
    plan: [
      "StartTask backend-service: desired 2, none running",
      "StartTask backend-service: desired 2, none running",
    ].join("\n"),
  },
  {
    name: "does nothing when the count matches",
    desiredCount: 1,
    tasks: [task("a", 1)],
    plan: "",
  },
  {
    name: "tasks still starting count as running",
    desiredCount: 1,
    tasks: [task("a", 1, "UNKNOWN", "PENDING")],
    plan: "",
  },
  {
    name: "scales in the newest tasks first",
    desiredCount: 1,
    tasks: [task("old", 1), task("newest", 3), task("middle", 2)],
    plan: [
      "StopTask backend-service/newest: scale in: 3 running, desired 1",
      "StopTask backend-service/middle: scale in: 3 running, desired 1",
    ].join("\n"),
  },
  {
    name: "an unhealthy task keeps serving while its replacement starts",
    desiredCount: 2,
    tasks: [task("sick", 1, "UNHEALTHY"), task("fine", 2)],
    plan: "StartTask backend-service: 1 of 2 running",
  },
  {
    name: "an unhealthy task stops once its replacement is healthy",
    desiredCount: 2,
    tasks: [task("sick", 1, "UNHEALTHY"), task("fine", 2), task("replacement", 3)],
    plan: "StopTask backend-service/sick: task failed container health checks",
  },
  {
    name: "without room under maximumPercent, unhealthy tasks stop one at a time",
    desiredCount: 2,
    maximumPercent: 100,
    tasks: [task("sick", 1, "UNHEALTHY"), task("sicker", 2, "UNHEALTHY")],
    plan: "StopTask backend-service/sick: task failed container health checks",
  },
  {
    name: "stopping and stopped tasks do not count",
    desiredCount: 1,
    tasks: [
      task("gone", 1, "UNKNOWN", "STOPPED"),
      task("going", 2, "HEALTHY", "RUNNING", "STOPPED"),
    ],
    plan: "StartTask backend-service: desired 1, none running",
  },
  {
    name: "the first failure is retried at once",
    desiredCount: 1,
    tasks: [],
    failures: 1,
    lastFailureAt: now - 10,
    plan: "StartTask backend-service: 0 of 1 running",
  },
  {
    name: "repeated failures back off",
    desiredCount: 1,
    tasks: [],
    failures: 3,
    lastFailureAt: now - 10,
    plan: `Wait backend-service until ${now - 10 + 2_000}: 3 tasks failed in a row; backing off`,
  },
  {
    name: "a dependent service waits for its dependencies",
    desiredCount: 1,
    tasks: [],
    dependenciesReady: false,
    plan: "Wait backend-service: waiting for the services it depends on to become steady",
  },
  {
    name: "scale in is not held back by dependencies",
    desiredCount: 0,
    tasks: [task("a", 1)],
    dependenciesReady: false,
    plan: "StopTask backend-service/a: scale in: 1 running, desired 0",
  },
];

describe("reconcile", () => {
  for (const c of cases) {
    test(c.name, () => {
      const plan = reconcile(
        {
          ...base,
          desiredCount: c.desiredCount,
          dependenciesReady: c.dependenciesReady ?? true,
          ...(c.maximumPercent === undefined ? {} : { maximumPercent: c.maximumPercent }),
        },
        {
          tasks: c.tasks,
          consecutiveFailures: c.failures ?? 0,
          lastFailureAt: c.lastFailureAt,
          now,
        },
      );
      assert.equal(formatPlan(plan), c.plan);
    });
  }
});

describe("backoff", () => {
  test("doubles per failure after the free retries, capped at the maximum", () => {
    const delays = [1, 2, 3, 4, 5, 10].map(
      (failures) => backoffUntil(failures, 0, DEFAULT_BACKOFF) - 0,
    );
    assert.deepEqual(delays, [0, 1_000, 2_000, 4_000, 8_000, 60_000]);
  });
});
