import assert from "node:assert/strict";
import { test } from "node:test";
import {
  completedReason,
  type Deployment,
  deploymentIdFromSeed,
  inProgressReason,
  isRollingBack,
  rollbackReason,
} from "./deployment-types.js";

test("a deployment ID is ecs-svc/ and 19 digits, whatever the seed", () => {
  const seeds = [0n, 1n, 42n, 2n ** 63n, 2n ** 64n - 1n, -5n, 9_000_000_000_000_000_000n];
  for (const seed of seeds) {
    assert.match(deploymentIdFromSeed(seed), /^ecs-svc\/[1-9]\d{18}$/, `seed ${seed}`);
  }
});

test("the same seed gives the same ID, different seeds different IDs", () => {
  assert.equal(deploymentIdFromSeed(7n), deploymentIdFromSeed(7n));
  assert.notEqual(deploymentIdFromSeed(7n), deploymentIdFromSeed(8n));
  assert.equal(deploymentIdFromSeed(0n), "ecs-svc/1000000000000000000");
});

test("rollout reasons in ECS's words", () => {
  const id = "ecs-svc/3763308422771520962";
  assert.equal(inProgressReason(id), "ECS deployment ecs-svc/3763308422771520962 in progress.");
  assert.equal(completedReason(id), "ECS deployment ecs-svc/3763308422771520962 completed.");
  assert.equal(
    rollbackReason(id),
    "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/3763308422771520962.",
  );
});

test("a rollback is recognised while it is in progress, by its reason", () => {
  const base: Deployment = {
    id: "ecs-svc/2000000000000000000",
    status: "PRIMARY",
    taskDefinitionRevision: 1,
    taskDefinitionKey: "web:1",
    desiredCount: 1,
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: rollbackReason("ecs-svc/1000000000000000000"),
    failedTasks: 0,
    createdAt: 0,
    updatedAt: 0,
  };
  assert.equal(isRollingBack(base), true);
  assert.equal(
    isRollingBack({ ...base, rolloutStateReason: inProgressReason(base.id) }),
    false,
    "an ordinary deployment",
  );
  assert.equal(
    isRollingBack({
      ...base,
      rolloutState: "COMPLETED",
      rolloutStateReason: completedReason(base.id),
    }),
    false,
    "a rollback that completed is an ordinary COMPLETED deployment",
  );
});
