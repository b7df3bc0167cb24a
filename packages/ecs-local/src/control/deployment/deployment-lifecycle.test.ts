import assert from "node:assert/strict";
import { test } from "node:test";
import {
  completeDeployment,
  listedDeployments,
  primaryDeployment,
  startDeployment,
} from "./deployment-lifecycle.js";
import type { Deployment } from "./deployment-types.js";

const first = (now: number) =>
  startDeployment([], {
    id: "ecs-svc/1111111111111111111",
    taskDefinitionRevision: 1,
    taskDefinitionKey: "web:1",
    desiredCount: 2,
    now,
  });
const second = (deployments: Deployment[], now: number) =>
  startDeployment(deployments, {
    id: "ecs-svc/2222222222222222222",
    taskDefinitionRevision: 2,
    taskDefinitionKey: "web:2",
    desiredCount: 2,
    now,
  });
const summary = (ds: readonly Deployment[]) =>
  ds.map((d) => `${d.id.slice(-1)} ${d.status} ${d.rolloutState}: ${d.rolloutStateReason}`);

test("a service's first deployment is PRIMARY and in progress", () => {
  const [d, ...rest] = first(1_000);
  assert.deepEqual(rest, []);
  assert.deepEqual(d, {
    id: "ecs-svc/1111111111111111111",
    status: "PRIMARY",
    taskDefinitionRevision: 1,
    taskDefinitionKey: "web:1",
    desiredCount: 2,
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: "ECS deployment ecs-svc/1111111111111111111 in progress.",
    failedTasks: 0,
    createdAt: 1_000,
    updatedAt: 1_000,
  });
});

test("a new deployment is listed first; the previous PRIMARY becomes ACTIVE, still COMPLETED", () => {
  const deployments = second(completeDeployment(first(1_000), 2_000), 3_000);
  assert.deepEqual(summary(deployments), [
    "2 PRIMARY IN_PROGRESS: ECS deployment ecs-svc/2222222222222222222 in progress.",
    "1 ACTIVE COMPLETED: ECS deployment ecs-svc/1111111111111111111 completed.",
  ]);
  assert.equal(deployments[1]?.updatedAt, 3_000);
  assert.equal(primaryDeployment(deployments)?.taskDefinitionKey, "web:2");
});

test("completion: PRIMARY COMPLETED, the old ones INACTIVE and no longer listed", () => {
  const deployments = completeDeployment(second(first(1_000), 2_000), 4_000);
  assert.deepEqual(summary(deployments), [
    "2 PRIMARY COMPLETED: ECS deployment ecs-svc/2222222222222222222 completed.",
    "1 INACTIVE IN_PROGRESS: ECS deployment ecs-svc/1111111111111111111 in progress.",
  ]);
  assert.deepEqual(
    listedDeployments(deployments).map((d) => d.id),
    ["ecs-svc/2222222222222222222"],
    "one deployment, as the services-stable waiter expects",
  );
});

test("INACTIVE deployments are dropped when the next one starts", () => {
  const completed = completeDeployment(second(first(1_000), 2_000), 4_000);
  const third = startDeployment(completed, {
    id: "ecs-svc/3333333333333333333",
    taskDefinitionRevision: 3,
    taskDefinitionKey: "web:3",
    desiredCount: 2,
    now: 5_000,
  });
  assert.deepEqual(
    third.map((d) => `${d.id.slice(-1)} ${d.status}`),
    ["3 PRIMARY", "2 ACTIVE"],
  );
});
