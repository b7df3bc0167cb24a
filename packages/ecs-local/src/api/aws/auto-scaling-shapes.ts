/**
 * Application Auto Scaling's shapes for a run's scalable targets (ScalableTarget,
 * ScalingPolicy with its alarms, ScalingActivity), as DescribeScalableTargets,
 * DescribeScalingPolicies and DescribeScalingActivities answer them (§1.7, §1.8 and §5.5 of
 * the AWS reference). Pure.
 */
import type { ScalingActivity } from "../../control/scaling/autoscaler.js";
import { trackingAlarmNames } from "../../control/scaling/decide.js";
import {
  alarmArn,
  albDimensions,
  autoScalingRoleArn,
  scalableTargetArn,
  scalingPolicyArn,
} from "../../model/arns.js";
import type { Model, ScalableTarget, ScalingPolicy } from "../../model/types.js";

const DIMENSION = "ecs:service:DesiredCount";

export function scalableTargetShape(
  model: Model,
  target: ScalableTarget,
  bounds: { readonly minCapacity: number; readonly maxCapacity: number },
  createdAt: Date,
): Record<string, unknown> {
  return {
    ServiceNamespace: "ecs",
    ResourceId: target.resourceId,
    ScalableDimension: DIMENSION,
    MinCapacity: bounds.minCapacity,
    MaxCapacity: bounds.maxCapacity,
    RoleARN: autoScalingRoleArn(model),
    CreationTime: createdAt,
    SuspendedState: {
      DynamicScalingInSuspended: target.suspended.dynamicScalingIn,
      DynamicScalingOutSuspended: target.suspended.dynamicScalingOut,
      ScheduledScalingSuspended: target.suspended.scheduledScaling,
    },
    ScalableTargetARN: scalableTargetArn(model, target.resourceId),
  };
}

/**
 * ALBRequestCountPerTarget's ResourceLabel, `app/<lb>/<id>/targetgroup/<group>/<id>`: the
 * load balancer whose listener forwards to the group, then the group.
 */
export function albResourceLabel(model: Model, targetGroupId: string): string | undefined {
  const { loadBalancer, targetGroup } = albDimensions(model, targetGroupId);
  return loadBalancer && targetGroup ? `${loadBalancer}/${targetGroup}` : undefined;
}

const seconds = (ms: number) => Math.round(ms / 1000);

function policyConfiguration(model: Model, policy: ScalingPolicy): Record<string, unknown> {
  if (policy.kind === "TargetTracking") {
    const label =
      policy.targetGroupId === undefined
        ? undefined
        : albResourceLabel(model, policy.targetGroupId);
    return {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: policy.targetValue,
        PredefinedMetricSpecification: {
          PredefinedMetricType: policy.metric,
          ...(label === undefined ? {} : { ResourceLabel: label }),
        },
        ScaleOutCooldown: seconds(policy.scaleOutCooldownMs),
        ScaleInCooldown: seconds(policy.scaleInCooldownMs),
        DisableScaleIn: policy.disableScaleIn,
      },
    };
  }
  return {
    PolicyType: "StepScaling",
    StepScalingPolicyConfiguration: {
      AdjustmentType: policy.adjustmentType,
      StepAdjustments: policy.steps.map((step) => ({
        ...(step.lower === undefined ? {} : { MetricIntervalLowerBound: step.lower }),
        ...(step.upper === undefined ? {} : { MetricIntervalUpperBound: step.upper }),
        ScalingAdjustment: step.adjustment,
      })),
      ...(policy.minAdjustmentMagnitude === undefined
        ? {}
        : { MinAdjustmentMagnitude: policy.minAdjustmentMagnitude }),
      Cooldown: seconds(policy.cooldownMs),
      MetricAggregationType: policy.aggregation,
    },
  };
}

/**
 * A policy with its alarms: for target tracking the two AAS creates (AlarmHigh, then
 * AlarmLow, as PutScalingPolicy lists them); for step scaling the template's alarms.
 */
export function scalingPolicyShape(
  model: Model,
  target: ScalableTarget,
  policy: ScalingPolicy,
  createdAt: Date,
): Record<string, unknown> {
  const names =
    policy.kind === "TargetTracking"
      ? Object.values(trackingAlarmNames(target.resourceId, policy))
      : policy.alarms.map((a) => a.name);
  return {
    PolicyARN: scalingPolicyArn(model, target.resourceId, policy.name),
    PolicyName: policy.name,
    ServiceNamespace: "ecs",
    ResourceId: target.resourceId,
    ScalableDimension: DIMENSION,
    ...policyConfiguration(model, policy),
    Alarms: names.map((name) => ({ AlarmName: name, AlarmARN: alarmArn(model, name) })),
    CreationTime: createdAt,
  };
}

export function scalingActivityShape(activity: ScalingActivity): Record<string, unknown> {
  return {
    ActivityId: activity.activityId,
    ServiceNamespace: activity.serviceNamespace,
    ResourceId: activity.resourceId,
    ScalableDimension: activity.scalableDimension,
    Description: activity.description,
    Cause: activity.cause,
    StartTime: new Date(activity.startTime),
    EndTime: new Date(activity.endTime),
    StatusCode: activity.statusCode,
    ...(activity.statusMessage === undefined ? {} : { StatusMessage: activity.statusMessage }),
    ...(activity.notScaledReasons && activity.notScaledReasons.length > 0
      ? {
          NotScaledReasons: activity.notScaledReasons.map((r) => ({
            Code: r.code,
            ...(r.maxCapacity === undefined ? {} : { MaxCapacity: r.maxCapacity }),
            ...(r.minCapacity === undefined ? {} : { MinCapacity: r.minCapacity }),
            ...(r.currentCapacity === undefined ? {} : { CurrentCapacity: r.currentCapacity }),
          })),
        }
      : {}),
  };
}

/** A "not scaled" activity: AAS lists it only with IncludeNotScaledActivities. */
export function isNotScaled(activity: ScalingActivity): boolean {
  return (activity.notScaledReasons?.length ?? 0) > 0;
}
