/**
 * Scaling policies of ECS scalable targets: target tracking on the predefined metrics, and step
 * scaling driven by the CloudWatch alarms whose actions name the policy. A policy or alarm on
 * something ecs-local does not compute is a not-emulated feature, said once at `up`.
 */

import type { ResolveContext } from "./intrinsics.js";
import { referencedLogicalId } from "./intrinsics.js";
import { type PropertyReader, propertyReader } from "./property-reader.js";
import { entriesOfType, type ResourceEntry } from "./template.js";
import type {
  ComparisonOperator,
  EmulatedMetric,
  MetricAlarm,
  PredefinedMetric,
  ScalableTarget,
  ScalingPolicy,
  Service,
  StepAdjustment,
  StepScalingPolicy,
  TargetGroup,
  TargetTrackingPolicy,
} from "./types.js";

/** Application Auto Scaling's cooldown default for ECS, in seconds. */
const DEFAULT_COOLDOWN_SECONDS = 300;

const PREDEFINED = new Set<PredefinedMetric>([
  "ECSServiceAverageCPUUtilization",
  "ECSServiceAverageMemoryUtilization",
  "ECSServiceAverageCPUUtilizationHighResolution",
  "ECSServiceAverageMemoryUtilizationHighResolution",
  "ALBRequestCountPerTarget",
]);

const COMPARISONS = new Set<ComparisonOperator>([
  "GreaterThanThreshold",
  "GreaterThanOrEqualToThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
]);

interface Context {
  readonly targets: readonly ScalableTarget[];
  readonly services: readonly Service[];
  readonly targetGroups: readonly TargetGroup[];
}

export interface Policies {
  /** Policies by the logical ID of their scalable target. */
  readonly byTarget: ReadonlyMap<string, ScalingPolicy[]>;
  readonly skipped: ReadonlySet<string>;
  readonly notEmulatedFeatures: { constructPath: string; what: string }[];
}

export function readScalingPolicies(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
  context: Context,
): Policies {
  const byTarget = new Map<string, ScalingPolicy[]>();
  const skipped = new Set<string>();
  const notEmulatedFeatures: { constructPath: string; what: string }[] = [];
  const alarmsByPolicy = readAlarms(entries, ctx, context, skipped, notEmulatedFeatures);
  for (const { resource, origin } of entriesOfType(
    entries,
    "AWS::ApplicationAutoScaling::ScalingPolicy",
  )) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const target = targetOf(read, p, context.targets);
    if (target === undefined) {
      skipped.add(origin.logicalId);
      continue;
    }
    const notEmulated = (what: string) => {
      skipped.add(origin.logicalId);
      notEmulatedFeatures.push({ constructPath: origin.constructPath, what });
    };
    const type = read.optionalString(p.PolicyType, "PolicyType") ?? "StepScaling";
    const name = read.optionalString(p.PolicyName, "PolicyName") ?? origin.logicalId;
    let policy: ScalingPolicy | string;
    if (type === "TargetTrackingScaling") policy = readTargetTracking(read, p, name, context);
    else if (type === "StepScaling")
      policy = readStepScaling(read, p, name, alarmsByPolicy.get(origin.logicalId) ?? []);
    else policy = `a ${type} policy (not emulated; it never scales)`;
    if (typeof policy === "string") {
      notEmulated(policy);
      continue;
    }
    const key = target.origin.logicalId;
    byTarget.set(key, [...(byTarget.get(key) ?? []), policy]);
  }
  return { byTarget, skipped, notEmulatedFeatures };
}

/** A policy names its target by reference, or by the (resource ID, dimension, namespace) triple. */
function targetOf(
  read: PropertyReader,
  p: Readonly<Record<string, unknown>>,
  targets: readonly ScalableTarget[],
): ScalableTarget | undefined {
  const byId = read.logicalId(p.ScalingTargetId);
  if (byId !== undefined) return targets.find((t) => t.origin.logicalId === byId);
  const resourceId = read.optionalString(p.ResourceId, "ResourceId");
  const [, , serviceName] = (resourceId ?? "").split("/");
  return targets.find((t) => t.resourceId.split("/")[2] === serviceName);
}

/** The policy, or why it cannot be emulated. */
function readTargetTracking(
  read: PropertyReader,
  p: Readonly<Record<string, unknown>>,
  name: string,
  context: Context,
): TargetTrackingPolicy | string {
  const at = "TargetTrackingScalingPolicyConfiguration";
  const config = read.object(p.TargetTrackingScalingPolicyConfiguration, at);
  if (config.CustomizedMetricSpecification !== undefined) {
    return "target tracking on a customized metric (not emulated; the policy never scales)";
  }
  const spec = read.object(
    config.PredefinedMetricSpecification,
    `${at}.PredefinedMetricSpecification`,
  );
  const metric = read.optionalString(spec.PredefinedMetricType, "PredefinedMetricType");
  if (!PREDEFINED.has(metric as PredefinedMetric)) {
    return `target tracking on ${metric ?? "no metric"} (not emulated; the policy never scales)`;
  }
  let targetGroupId: string | undefined;
  if (metric === "ALBRequestCountPerTarget") {
    // CDK builds the ResourceLabel from the load balancer's and the group's full names.
    targetGroupId = findTargetGroup(spec.ResourceLabel, context.targetGroups);
    if (targetGroupId === undefined) {
      return "ALBRequestCountPerTarget whose ResourceLabel names no target group of this stack (not emulated)";
    }
  }
  const seconds = (raw: unknown, property: string) =>
    (read.optionalNumber(raw, `${at}.${property}`) ?? DEFAULT_COOLDOWN_SECONDS) * 1000;
  return {
    kind: "TargetTracking",
    origin: read.origin,
    name,
    metric: metric as PredefinedMetric,
    ...(targetGroupId === undefined ? {} : { targetGroupId }),
    targetValue: read.number(config.TargetValue, `${at}.TargetValue`),
    scaleInCooldownMs: seconds(config.ScaleInCooldown, "ScaleInCooldown"),
    scaleOutCooldownMs: seconds(config.ScaleOutCooldown, "ScaleOutCooldown"),
    disableScaleIn: read.optionalBoolean(config.DisableScaleIn, `${at}.DisableScaleIn`) ?? false,
  };
}

function readStepScaling(
  read: PropertyReader,
  p: Readonly<Record<string, unknown>>,
  name: string,
  alarms: readonly MetricAlarm[],
): StepScalingPolicy | string {
  const at = "StepScalingPolicyConfiguration";
  const config = read.object(p.StepScalingPolicyConfiguration, at);
  if (alarms.length === 0) {
    return "step scaling with no CloudWatch alarm ecs-local computes (not emulated; it never scales)";
  }
  const adjustmentType = read.string(config.AdjustmentType, `${at}.AdjustmentType`);
  if (!["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"].includes(adjustmentType)) {
    throw read.error(
      `${at}.AdjustmentType is "${adjustmentType}"; expected ChangeInCapacity, PercentChangeInCapacity or ExactCapacity.`,
      "Fix the policy's adjustmentType.",
    );
  }
  const aggregation =
    read.optionalString(config.MetricAggregationType, `${at}.MetricAggregationType`) ?? "Average";
  const steps: StepAdjustment[] = read
    .list(config.StepAdjustments, `${at}.StepAdjustments`)
    .map((raw, i) => {
      const step = read.object(raw, `${at}.StepAdjustments[${i}]`);
      const lower = read.optionalNumber(step.MetricIntervalLowerBound, "MetricIntervalLowerBound");
      const upper = read.optionalNumber(step.MetricIntervalUpperBound, "MetricIntervalUpperBound");
      return {
        ...(lower === undefined ? {} : { lower }),
        ...(upper === undefined ? {} : { upper }),
        adjustment: read.number(
          step.ScalingAdjustment,
          `${at}.StepAdjustments[${i}].ScalingAdjustment`,
        ),
      };
    });
  const minAdjustmentMagnitude = read.optionalNumber(
    config.MinAdjustmentMagnitude,
    `${at}.MinAdjustmentMagnitude`,
  );
  return {
    kind: "StepScaling",
    origin: read.origin,
    name,
    adjustmentType: adjustmentType as StepScalingPolicy["adjustmentType"],
    steps,
    cooldownMs:
      (read.optionalNumber(config.Cooldown, `${at}.Cooldown`) ?? DEFAULT_COOLDOWN_SECONDS) * 1000,
    aggregation: aggregation === "Minimum" || aggregation === "Maximum" ? aggregation : "Average",
    ...(minAdjustmentMagnitude === undefined ? {} : { minAdjustmentMagnitude }),
    alarms,
  };
}

/** CloudWatch alarms by the logical ID of each scaling policy their actions name. */
function readAlarms(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
  context: Context,
  skipped: Set<string>,
  notEmulatedFeatures: { constructPath: string; what: string }[],
): Map<string, MetricAlarm[]> {
  const byPolicy = new Map<string, MetricAlarm[]>();
  const policies = new Set(
    entriesOfType(entries, "AWS::ApplicationAutoScaling::ScalingPolicy").map((e) => e.logicalId),
  );
  for (const { resource, origin } of entriesOfType(entries, "AWS::CloudWatch::Alarm")) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const actions = read
      .list(p.AlarmActions, "AlarmActions")
      .map((action) => read.logicalId(action))
      .filter((id): id is string => id !== undefined && policies.has(id));
    if (actions.length === 0) {
      skipped.add(origin.logicalId); // an alarm that scales nothing is not emulated
      continue;
    }
    const alarm = readAlarm(read, p, context);
    if (typeof alarm === "string") {
      skipped.add(origin.logicalId);
      notEmulatedFeatures.push({ constructPath: origin.constructPath, what: alarm });
      continue;
    }
    for (const id of actions) byPolicy.set(id, [...(byPolicy.get(id) ?? []), alarm]);
  }
  return byPolicy;
}

function readAlarm(
  read: PropertyReader,
  p: Readonly<Record<string, unknown>>,
  context: Context,
): MetricAlarm | string {
  if (p.Metrics !== undefined) return "an alarm on metric math (not emulated; it never fires)";
  const namespace = read.optionalString(p.Namespace, "Namespace");
  const metricName = read.optionalString(p.MetricName, "MetricName");
  const dimensions = new Map(
    read.list(p.Dimensions, "Dimensions").map((raw, i) => {
      const d = read.object(raw, `Dimensions[${i}]`);
      return [read.string(d.Name, `Dimensions[${i}].Name`), d.Value] as const;
    }),
  );
  const metric = emulatedMetric(read, namespace, metricName, dimensions, context);
  if (metric === undefined) {
    return `an alarm on ${namespace}/${metricName} (not emulated: ecs-local computes AWS/ECS CPUUtilization and MemoryUtilization per service and AWS/ApplicationELB RequestCount, RequestCountPerTarget, HealthyHostCount and UnHealthyHostCount per target group)`;
  }
  const statistic = read.optionalString(p.Statistic, "Statistic") ?? "Average";
  if (!["Average", "Sum", "Minimum", "Maximum", "SampleCount"].includes(statistic)) {
    return `an alarm with the statistic ${statistic} (not emulated)`;
  }
  const comparison = read.string(p.ComparisonOperator, "ComparisonOperator");
  if (!COMPARISONS.has(comparison as ComparisonOperator)) {
    return `an alarm comparing with ${comparison} (not emulated)`;
  }
  const evaluationPeriods = read.number(p.EvaluationPeriods, "EvaluationPeriods");
  return {
    origin: read.origin,
    name: read.optionalString(p.AlarmName, "AlarmName") ?? read.origin.logicalId,
    metric,
    statistic: statistic as MetricAlarm["statistic"],
    periodMs: (read.optionalNumber(p.Period, "Period") ?? 60) * 1000,
    threshold: read.number(p.Threshold, "Threshold"),
    comparison: comparison as ComparisonOperator,
    evaluationPeriods,
    datapointsToAlarm:
      read.optionalNumber(p.DatapointsToAlarm, "DatapointsToAlarm") ?? evaluationPeriods,
  };
}

function emulatedMetric(
  read: PropertyReader,
  namespace: string | undefined,
  name: string | undefined,
  dimensions: ReadonlyMap<string, unknown>,
  context: Context,
): EmulatedMetric | undefined {
  if (namespace === "AWS/ECS" && (name === "CPUUtilization" || name === "MemoryUtilization")) {
    const serviceName = read.optionalString(dimensions.get("ServiceName"), "ServiceName");
    const service = context.services.find((s) => s.name === serviceName);
    return service ? { namespace, name, serviceId: service.origin.logicalId } : undefined;
  }
  if (
    namespace === "AWS/ApplicationELB" &&
    (name === "RequestCountPerTarget" ||
      name === "RequestCount" ||
      name === "HealthyHostCount" ||
      name === "UnHealthyHostCount")
  ) {
    const targetGroupId = findTargetGroup(dimensions.get("TargetGroup"), context.targetGroups);
    return targetGroupId ? { namespace, name, targetGroupId } : undefined;
  }
  return undefined;
}

/** The target group a value refers to anywhere inside it (a `Fn::GetAtt` to its full name). */
function findTargetGroup(value: unknown, groups: readonly TargetGroup[]): string | undefined {
  const id = referencedLogicalId(value);
  if (id !== undefined && groups.some((g) => g.origin.logicalId === id)) return id;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findTargetGroup(item, groups);
      if (found) return found;
    }
  } else if (typeof value === "object" && value !== null) {
    for (const item of Object.values(value)) {
      const found = findTargetGroup(item, groups);
      if (found) return found;
    }
  }
  return undefined;
}
