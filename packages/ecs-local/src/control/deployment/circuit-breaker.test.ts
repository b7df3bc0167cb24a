import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type BreakerEvent,
  circuitBreakerThreshold,
  foldBreaker,
  INITIAL_BREAKER_STATE,
  rollbackTarget,
  tripBreaker,
} from "./circuit-breaker.js";
import { startDeployment } from "./deployment-lifecycle.js";
import { type Deployment, rollbackReason } from "./deployment-types.js";

test("the threshold is half the desired count, rounded up, kept within 3 and 200", () => {
  const table: [desired: number, threshold: number][] = [
    [0, 3],
    [1, 3],
    [6, 3],
    [7, 4],
    [25, 13],
    [400, 200],
    [800, 200],
  ];
  for (const [desired, threshold] of table) {
    assert.equal(circuitBreakerThreshold(desired), threshold, `desired ${desired}`);
  }
});

describe("counting failed tasks of the PRIMARY deployment", () => {
  const F: BreakerEvent = { type: "FailedToStart", taskId: "t" };
  const U: BreakerEvent = { type: "FailedHealthChecks", taskId: "t" };
  const H: BreakerEvent = { type: "BecameHealthy", taskId: "t" };
  const on = { enable: true, desiredCount: 1 };

  const cases: {
    name: string;
    events: BreakerEvent[];
    options?: Partial<typeof on> & { resetOnHealthyTask?: boolean };
    failedTasks: number;
    tripped: boolean;
  }[] = [
    { name: "no events, no failures", events: [], failedTasks: 0, tripped: false },
    { name: "two failures stay under 3", events: [F, F], failedTasks: 2, tripped: false },
    {
      name: "the third failure in a row trips it",
      events: [F, F, F],
      failedTasks: 3,
      tripped: true,
    },
    {
      name: "failures to start and failed health checks both count",
      events: [F, U, U],
      failedTasks: 3,
      tripped: true,
    },
    {
      name: "a task becoming healthy resets the count (resetOnHealthyTask defaults to true)",
      events: [F, F, H, F, F],
      failedTasks: 2,
      tripped: false,
    },
    {
      name: "with resetOnHealthyTask false, a healthy task does not reset the count",
      events: [F, F, H, F],
      options: { resetOnHealthyTask: false },
      failedTasks: 3,
      tripped: true,
    },
    {
      name: "desired 25: 12 failures do not trip, 13 do",
      events: Array.from({ length: 12 }, () => F),
      options: { desiredCount: 25 },
      failedTasks: 12,
      tripped: false,
    },
    {
      name: "desired 25: the 13th failure trips it",
      events: Array.from({ length: 13 }, () => U),
      options: { desiredCount: 25 },
      failedTasks: 13,
      tripped: true,
    },
    {
      name: "once tripped it stays tripped, the count frozen",
      events: [F, F, F, H, F],
      failedTasks: 3,
      tripped: true,
    },
    {
      name: "disabled, failures are counted but never trip",
      events: [F, F, F, F],
      options: { enable: false },
      failedTasks: 4,
      tripped: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(foldBreaker(c.events, { ...on, ...c.options }), {
        failedTasks: c.failedTasks,
        tripped: c.tripped,
      });
    });
  }

  test("the fold continues from a state kept between ticks", () => {
    const after2 = foldBreaker([F, F], on);
    assert.deepEqual(foldBreaker([F], on, after2), { failedTasks: 3, tripped: true });
    assert.deepEqual(foldBreaker([], on), INITIAL_BREAKER_STATE);
  });
});

describe("when the breaker trips", () => {
  const deployment = (over: Partial<Deployment> & Pick<Deployment, "id">): Deployment => ({
    status: "ACTIVE",
    taskDefinitionRevision: 1,
    taskDefinitionKey: "web:1",
    desiredCount: 2,
    rolloutState: "COMPLETED",
    rolloutStateReason: `ECS deployment ${over.id} completed.`,
    failedTasks: 0,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...over,
  });
  const v1 = deployment({ id: "ecs-svc/1111111111111111111", createdAt: 1_000 });
  const v2 = deployment({
    id: "ecs-svc/2222222222222222222",
    taskDefinitionRevision: 2,
    taskDefinitionKey: "web:2",
    createdAt: 2_000,
  });
  const v3 = deployment({
    id: "ecs-svc/3333333333333333333",
    status: "PRIMARY",
    taskDefinitionRevision: 3,
    taskDefinitionKey: "web:3",
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: "ECS deployment ecs-svc/3333333333333333333 in progress.",
    createdAt: 3_000,
  });

  test("the PRIMARY is FAILED with ECS's reason and its count of failed tasks", () => {
    const outcome = tripBreaker([v3, v2], { rollback: false, failedTasks: 3, now: 5_000 });
    assert.deepEqual(outcome?.failed, {
      ...v3,
      rolloutState: "FAILED",
      rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
      failedTasks: 3,
      updatedAt: 5_000,
    });
    assert.deepEqual(
      outcome?.deployments.map((d) => [d.id, d.status, d.rolloutState]),
      [
        [v3.id, "PRIMARY", "FAILED"],
        [v2.id, "ACTIVE", "COMPLETED"],
      ],
    );
    assert.equal(outcome?.rollback, undefined, "rollback off: it stays FAILED");
  });

  test("with rollback on, it goes back to the last COMPLETED deployment's task definition", () => {
    const outcome = tripBreaker([v3, v2, v1], { rollback: true, failedTasks: 3, now: 5_000 });
    assert.deepEqual(outcome?.rollback, {
      toDeploymentId: v2.id,
      taskDefinitionKey: "web:2",
      taskDefinitionRevision: 2,
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${v2.id}.`,
    });
  });

  test("the rollback is a new PRIMARY deployment; the failed one becomes ACTIVE", () => {
    const outcome = tripBreaker([v3, v2], { rollback: true, failedTasks: 3, now: 5_000 });
    assert.ok(outcome?.rollback);
    const next = startDeployment(outcome.deployments, {
      id: "ecs-svc/4444444444444444444",
      taskDefinitionKey: outcome.rollback.taskDefinitionKey,
      taskDefinitionRevision: outcome.rollback.taskDefinitionRevision,
      desiredCount: 2,
      now: 5_000,
      rolloutStateReason: outcome.rollback.rolloutStateReason,
    });
    assert.deepEqual(
      next.map((d) => [d.id, d.status, d.taskDefinitionKey, d.rolloutState, d.rolloutStateReason]),
      [
        ["ecs-svc/4444444444444444444", "PRIMARY", "web:2", "IN_PROGRESS", rollbackReason(v2.id)],
        [
          v3.id,
          "ACTIVE",
          "web:3",
          "FAILED",
          "ECS deployment circuit breaker: tasks failed to start.",
        ],
        [v2.id, "ACTIVE", "web:2", "COMPLETED", `ECS deployment ${v2.id} completed.`],
      ],
    );
  });

  describe("choosing the rollback target", () => {
    const rollingBackToV1: Deployment = {
      ...v3,
      taskDefinitionKey: "web:1",
      taskDefinitionRevision: 1,
      rolloutStateReason: rollbackReason(v1.id),
    };
    const cases: { name: string; deployments: Deployment[]; primary: Deployment; to?: string }[] = [
      { name: "the most recent COMPLETED one", deployments: [v3, v1, v2], primary: v3, to: v2.id },
      {
        name: "not an older deployment that was only IN_PROGRESS",
        deployments: [v3, { ...v2, rolloutState: "IN_PROGRESS" }, v1],
        primary: v3,
        to: v1.id,
      },
      {
        name: "none on a service's first deployment",
        deployments: [v3],
        primary: v3,
      },
      {
        // v2 failed and rolled back to v1; now the rollback itself fails.
        name: "none when the failing deployment is itself a rollback",
        deployments: [rollingBackToV1, { ...v2, rolloutState: "FAILED" }, v1],
        primary: rollingBackToV1,
      },
    ];
    for (const c of cases) {
      test(c.name, () => {
        assert.equal(rollbackTarget(c.deployments, c.primary)?.id, c.to);
      });
    }
  });

  test("rollback on but nowhere to go: FAILED, no plan", () => {
    const outcome = tripBreaker([v3], { rollback: true, failedTasks: 3, now: 5_000 });
    assert.equal(outcome?.failed.rolloutState, "FAILED");
    assert.equal(outcome?.rollback, undefined);
  });

  test("no PRIMARY, nothing to fail", () => {
    assert.equal(tripBreaker([v2], { rollback: true, failedTasks: 3, now: 5_000 }), undefined);
  });
});
