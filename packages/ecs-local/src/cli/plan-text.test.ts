import assert from "node:assert/strict";
import { test } from "node:test";
import { model } from "../control/testing/model-builders.js";
import { suspendScaling } from "../model/suspend-scaling.js";
import type { ScalableTarget } from "../model/types.js";
import { describePlan } from "./plan-text.js";

const scaled = model([{ name: "api", port: 5000 }]);
const target: ScalableTarget = {
  origin: { logicalId: "Target", constructPath: "Test/Target" },
  serviceId: scaled.services[0]?.origin.logicalId ?? "",
  resourceId: "service/test-cluster/api",
  minCapacity: 1,
  maxCapacity: 4,
  policies: [],
  scheduledActions: [],
  suspended: { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false },
};

test("the plan names each service's scaling range, and what of it is suspended", () => {
  const running = describePlan({ ...scaled, scaling: [target] }, new Map());
  assert.match(running, /service api: 1 task\(s\), .*scaling 1\.\.4$/m);
  const suspended = describePlan(suspendScaling({ ...scaled, scaling: [target] }), new Map());
  assert.match(suspended, /scaling 1\.\.4 \(suspended\)$/m);
  const partly = describePlan(
    {
      ...scaled,
      scaling: [{ ...target, suspended: { ...target.suspended, dynamicScalingIn: true } }],
    },
    new Map(),
  );
  assert.match(partly, /scaling 1\.\.4 \(suspended: in\)$/m);
});
