import assert from "node:assert/strict";
import { test } from "node:test";
import { taskArn as metadataTaskArn } from "../control/task-documents.js";
import { service } from "../control/testing/model-builders.js";
import {
  cloudMapServiceId,
  loadBalancerDimension,
  namespaceId,
  scalableTargetArn,
  scalingPolicyArn,
  stableUuid,
  targetGroupDimension,
  taskArn,
} from "./arns.js";

const account = { region: "local-1", accountId: "000000000000" };

test("IDs have AWS's formats and are the same for the same thing", () => {
  const cases: [string, RegExp][] = [
    [namespaceId("Stack", "local"), /^ns-[a-z2-7]{16}$/],
    [cloudMapServiceId("Stack", "local", "backend"), /^srv-[a-z2-7]{16}$/],
    [stableUuid("x"), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/],
    [
      targetGroupDimension("Stack", {
        origin: { logicalId: "LbListenerGroupA1B2", constructPath: "" },
      }),
      /^targetgroup\/LbListenerGroupA1B2\/[0-9a-f]{16}$/,
    ],
    [loadBalancerDimension("Stack", "A".repeat(40)), /^app\/A{32}\/[0-9a-f]{16}$/],
    [
      scalableTargetArn(account, "service/c/s"),
      /^arn:aws:application-autoscaling:local-1:000000000000:scalable-target\/[0-9a-f]{36}$/,
    ],
    [
      scalingPolicyArn(account, "service/c/s", "p"),
      /^arn:aws:autoscaling:local-1:000000000000:scalingPolicy:[0-9a-f-]{36}:resource\/ecs\/service\/c\/s:policyName\/p$/,
    ],
  ];
  for (const [value, format] of cases) assert.match(value, format);
  assert.equal(namespaceId("Stack", "local"), namespaceId("Stack", "local"));
  assert.notEqual(
    cloudMapServiceId("Stack", "local", "a"),
    cloudMapServiceId("Stack", "local", "b"),
  );
});

test("a task's ARN is the one its metadata endpoint shows", () => {
  const s = service({ name: "api" });
  assert.equal(
    taskArn(account, s.clusterName, "abc"),
    metadataTaskArn({ id: "abc", service: s, ...account }),
  );
});
