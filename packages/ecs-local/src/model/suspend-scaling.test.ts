import assert from "node:assert/strict";
import { test } from "node:test";
import { model } from "../control/testing/model-builders.js";
import { suspendScaling } from "./suspend-scaling.js";
import type { ScalableTarget } from "./types.js";

test("every scalable target is suspended in all three ways; nothing else changes", () => {
  const base = model([{ name: "api", port: 5000 }]);
  const target = {
    origin: { logicalId: "Target", constructPath: "Stack/Target" },
    serviceId: "ApiService",
    resourceId: "service/cluster/api",
    minCapacity: 1,
    maxCapacity: 4,
    policies: [],
    scheduledActions: [],
    suspended: { dynamicScalingIn: false, dynamicScalingOut: true, scheduledScaling: false },
  } satisfies ScalableTarget;
  const suspended = suspendScaling({ ...base, scaling: [target] });
  assert.deepEqual(suspended.scaling[0]?.suspended, {
    dynamicScalingIn: true,
    dynamicScalingOut: true,
    scheduledScaling: true,
  });
  assert.equal(suspended.scaling[0]?.maxCapacity, 4);
  assert.equal(suspended.services, base.services);
  assert.equal(target.suspended.dynamicScalingIn, false, "the input is not changed");
});
