/**
 * Application Auto Scaling for ECS services: scalable targets (linked to their service through
 * the `service/<cluster>/<service name>` resource ID) and their target-tracking policies.
 * Other scalable targets (DynamoDB, Lambda, …) and step scaling are left to `notEmulated`.
 */
import type { ResolveContext } from "./intrinsics.js";
import { propertyReader } from "./property-reader.js";
import { entriesOfType, type ResourceEntry } from "./template.js";
import type { Cluster, ScalableTarget, Service, TargetTrackingPolicy } from "./types.js";

/** Application Auto Scaling's cooldown default for ECS, in seconds. */
const DEFAULT_COOLDOWN_SECONDS = 300;

const METRICS = new Set<TargetTrackingPolicy["metric"]>([
  "ECSServiceAverageCPUUtilization",
  "ECSServiceAverageMemoryUtilization",
  "ALBRequestCountPerTarget",
]);

export interface Scaling {
  readonly scaling: readonly ScalableTarget[];
  /** Logical IDs skipped because ecs-local does not emulate them. */
  readonly skipped: ReadonlySet<string>;
}

export function readScaling(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
  services: readonly Service[],
  clusters: readonly Cluster[],
): Scaling {
  const skipped = new Set<string>();
  const targets: { target: ScalableTarget; resourceId: string }[] = [];
  for (const { resource, origin } of entriesOfType(
    entries,
    "AWS::ApplicationAutoScaling::ScalableTarget",
  )) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const namespace = read.optionalString(p.ServiceNamespace, "ServiceNamespace");
    const dimension = read.optionalString(p.ScalableDimension, "ScalableDimension");
    if (namespace !== "ecs" || dimension !== "ecs:service:DesiredCount") {
      skipped.add(origin.logicalId);
      continue;
    }
    const resourceId = read.string(p.ResourceId, "ResourceId");
    const [kind, clusterPart, serviceName] = resourceId.split("/");
    const cluster = clusters.find(
      (c) => c.origin.logicalId === clusterPart || c.name === clusterPart,
    );
    const service = services.find(
      (s) => s.name === serviceName && s.clusterId === cluster?.origin.logicalId,
    );
    if (kind !== "service" || service === undefined) {
      throw read.error(
        `ResourceId "${resourceId}" names no ECS service of this stack (services: ${services.map((s) => `${s.clusterId}/${s.name}`).join(", ") || "none"}).`,
        "Scale a service defined in this stack (service.autoScaleTaskCount({ … })); ecs-local cannot scale services it does not run.",
      );
    }
    const minCapacity = read.number(p.MinCapacity, "MinCapacity");
    const maxCapacity = read.number(p.MaxCapacity, "MaxCapacity");
    if (minCapacity > maxCapacity) {
      throw read.error(
        `MinCapacity ${minCapacity} is greater than MaxCapacity ${maxCapacity}.`,
        "Use minCapacity <= maxCapacity.",
      );
    }
    targets.push({
      resourceId,
      target: {
        origin,
        serviceId: service.origin.logicalId,
        minCapacity,
        maxCapacity,
        policies: [],
      },
    });
  }

  const policies = new Map<string, TargetTrackingPolicy[]>();
  for (const { resource, origin } of entriesOfType(
    entries,
    "AWS::ApplicationAutoScaling::ScalingPolicy",
  )) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const byId = read.logicalId(p.ScalingTargetId);
    // A policy may name its target by ID or by the (resource ID, dimension, namespace) triple.
    const resourceId =
      byId === undefined ? read.optionalString(p.ResourceId, "ResourceId") : undefined;
    const target = targets.find(
      (t) =>
        t.target.origin.logicalId === byId ||
        (resourceId !== undefined && t.resourceId === resourceId),
    );
    const type = read.optionalString(p.PolicyType, "PolicyType");
    const config = read.object(
      p.TargetTrackingScalingPolicyConfiguration,
      "TargetTrackingScalingPolicyConfiguration",
    );
    const metric = read.optionalString(
      read.object(config.PredefinedMetricSpecification, "PredefinedMetricSpecification")
        .PredefinedMetricType,
      "PredefinedMetricType",
    );
    if (
      target === undefined ||
      type !== "TargetTrackingScaling" ||
      !METRICS.has(metric as TargetTrackingPolicy["metric"])
    ) {
      skipped.add(origin.logicalId);
      continue;
    }
    const seconds = (raw: unknown, property: string) =>
      (read.optionalNumber(raw, property) ?? DEFAULT_COOLDOWN_SECONDS) * 1000;
    const policy: TargetTrackingPolicy = {
      origin,
      metric: metric as TargetTrackingPolicy["metric"],
      targetValue: read.number(config.TargetValue, "TargetValue"),
      scaleInCooldownMs: seconds(config.ScaleInCooldown, "ScaleInCooldown"),
      scaleOutCooldownMs: seconds(config.ScaleOutCooldown, "ScaleOutCooldown"),
      disableScaleIn: read.optionalBoolean(config.DisableScaleIn, "DisableScaleIn") ?? false,
    };
    const key = target.target.origin.logicalId;
    policies.set(key, [...(policies.get(key) ?? []), policy]);
  }

  return {
    scaling: targets.map(({ target }) => ({
      ...target,
      policies: policies.get(target.origin.logicalId) ?? [],
    })),
    skipped,
  };
}
