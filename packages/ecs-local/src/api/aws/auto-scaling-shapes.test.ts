import assert from "node:assert/strict";
import { test } from "node:test";
import type { ScalingActivity } from "../../control/scaling/autoscaler.js";
import { trackingAlarmNames } from "../../control/scaling/decide.js";
import { model, targetGroup } from "../../control/testing/model-builders.js";
import type { ScalableTarget, StepScalingPolicy, TargetTrackingPolicy } from "../../model/types.js";
import {
  albResourceLabel,
  isNotScaled,
  scalableTargetShape,
  scalingActivityShape,
  scalingPolicyShape,
} from "./auto-scaling-shapes.js";

const origin = (id: string) => ({ logicalId: id, constructPath: `Stack/${id}` });
const m = model([{ name: "api", port: 5000, targetGroup: "Web" }], {
  targetGroups: [targetGroup("Web", 80)],
  loadBalancers: [
    {
      origin: origin("Lb"),
      scheme: "internet-facing",
      securityGroupIds: [],
      listeners: [
        {
          origin: origin("Listener"),
          port: 80,
          protocol: "HTTP",
          defaultTargetGroupId: "Web",
          rules: [],
        },
      ],
    },
  ],
});
const memory: TargetTrackingPolicy = {
  kind: "TargetTracking",
  origin: origin("Memory"),
  name: "memory",
  metric: "ECSServiceAverageMemoryUtilization",
  targetValue: 20,
  scaleInCooldownMs: 60_000,
  scaleOutCooldownMs: 30_000,
  disableScaleIn: false,
};
const step: StepScalingPolicy = {
  kind: "StepScaling",
  origin: origin("Step"),
  name: "step",
  adjustmentType: "ChangeInCapacity",
  steps: [
    { upper: 0, adjustment: -1 },
    { lower: 10, adjustment: 2 },
  ],
  cooldownMs: 120_000,
  aggregation: "Average",
  alarms: [
    {
      origin: origin("Alarm"),
      name: "cpu-high",
      metric: { namespace: "AWS/ECS", name: "CPUUtilization", serviceId: "api" },
      statistic: "Average",
      periodMs: 60_000,
      threshold: 70,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    },
  ],
};
const target: ScalableTarget = {
  origin: origin("Target"),
  serviceId: "api",
  resourceId: "service/test-cluster/api",
  minCapacity: 1,
  maxCapacity: 5,
  policies: [memory, step],
  scheduledActions: [],
  suspended: { dynamicScalingIn: true, dynamicScalingOut: false, scheduledScaling: false },
};
const created = new Date(1_700_000_000_000);

test("a scalable target with its current bounds and suspended state", () => {
  const shape = scalableTargetShape(m, target, { minCapacity: 2, maxCapacity: 4 }, created);
  assert.deepEqual(
    [
      shape.ServiceNamespace,
      shape.ResourceId,
      shape.ScalableDimension,
      shape.MinCapacity,
      shape.MaxCapacity,
    ],
    ["ecs", "service/test-cluster/api", "ecs:service:DesiredCount", 2, 4],
  );
  assert.match(String(shape.RoleARN), /AWSServiceRoleForApplicationAutoScaling_ECSService$/);
  assert.deepEqual(shape.SuspendedState, {
    DynamicScalingInSuspended: true,
    DynamicScalingOutSuspended: false,
    ScheduledScalingSuspended: false,
  });
});

test("a target-tracking policy lists the two alarms AAS creates, AlarmHigh then AlarmLow", () => {
  const shape = scalingPolicyShape(m, target, memory, created);
  const names = trackingAlarmNames(target.resourceId, memory);
  assert.equal(shape.PolicyType, "TargetTrackingScaling");
  assert.deepEqual(shape.TargetTrackingScalingPolicyConfiguration, {
    TargetValue: 20,
    PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageMemoryUtilization" },
    ScaleOutCooldown: 30,
    ScaleInCooldown: 60,
    DisableScaleIn: false,
  });
  assert.deepEqual(shape.Alarms, [
    {
      AlarmName: names.high,
      AlarmARN: `arn:aws:cloudwatch:local-1:000000000000:alarm:${names.high}`,
    },
    {
      AlarmName: names.low,
      AlarmARN: `arn:aws:cloudwatch:local-1:000000000000:alarm:${names.low}`,
    },
  ]);
  assert.match(
    String(shape.PolicyARN),
    /:resource\/ecs\/service\/test-cluster\/api:policyName\/memory$/,
  );
});

test("a step policy: its adjustments, cooldown in seconds, and the template's alarms", () => {
  const shape = scalingPolicyShape(m, target, step, created);
  assert.equal(shape.PolicyType, "StepScaling");
  assert.deepEqual(shape.StepScalingPolicyConfiguration, {
    AdjustmentType: "ChangeInCapacity",
    StepAdjustments: [
      { MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
      { MetricIntervalLowerBound: 10, ScalingAdjustment: 2 },
    ],
    Cooldown: 120,
    MetricAggregationType: "Average",
  });
  assert.deepEqual(
    (shape.Alarms as { AlarmName: string }[]).map((a) => a.AlarmName),
    ["cpu-high"],
  );
});

test("ALBRequestCountPerTarget's resource label names the load balancer, then the group", () => {
  assert.match(
    albResourceLabel(m, "Web") ?? "",
    /^app\/Lb\/[0-9a-f]{16}\/targetgroup\/Web\/[0-9a-f]{16}$/,
  );
  assert.equal(albResourceLabel(m, "Nope"), undefined);
});

test("activities in AAS's shape; not-scaled ones are told apart", () => {
  const base: ScalingActivity = {
    activityId: "id-1",
    serviceNamespace: "ecs",
    resourceId: "service/test-cluster/api",
    scalableDimension: "ecs:service:DesiredCount",
    serviceName: "api",
    startTime: 1_700_000_000_000,
    endTime: 1_700_000_000_500,
    description: "Setting desired count to 2.",
    cause: "monitor alarm X in state ALARM triggered policy memory",
    statusCode: "Successful",
    statusMessage: "Successfully set desired count to 2. Change successfully fulfilled by ecs.",
  };
  assert.deepEqual(scalingActivityShape(base), {
    ActivityId: "id-1",
    ServiceNamespace: "ecs",
    ResourceId: "service/test-cluster/api",
    ScalableDimension: "ecs:service:DesiredCount",
    Description: "Setting desired count to 2.",
    Cause: "monitor alarm X in state ALARM triggered policy memory",
    StartTime: new Date(1_700_000_000_000),
    EndTime: new Date(1_700_000_000_500),
    StatusCode: "Successful",
    StatusMessage: "Successfully set desired count to 2. Change successfully fulfilled by ecs.",
  });
  const notScaled: ScalingActivity = {
    ...base,
    statusCode: "Failed",
    description: "Attempting to scale due to alarm triggered",
    notScaledReasons: [{ code: "AlreadyAtMaxCapacity", maxCapacity: 5 }],
  };
  assert.deepEqual(scalingActivityShape(notScaled).NotScaledReasons, [
    { Code: "AlreadyAtMaxCapacity", MaxCapacity: 5 },
  ]);
  assert.deepEqual([isNotScaled(base), isNotScaled(notScaled)], [false, true]);
});
