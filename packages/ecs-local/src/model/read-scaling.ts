/**
 * Application Auto Scaling for ECS services: scalable targets (linked to their service through
 * the `service/<cluster>/<service name>` resource ID), their scheduled actions, and their
 * target-tracking and step-scaling policies (read-scaling-policies.ts). Other scalable targets
 * (DynamoDB, Lambda, …) are left to `notEmulated`; policy features ecs-local cannot emulate
 * (a customized metric, predictive scaling) are listed as not-emulated features.
 */
import type { ResolveContext } from "./intrinsics.js";
import { type PropertyReader, propertyReader } from "./property-reader.js";
import { readScalingPolicies } from "./read-scaling-policies.js";
import { entriesOfType, type ResourceEntry } from "./template.js";
import type { Cluster, ScalableTarget, ScheduledAction, Service, TargetGroup } from "./types.js";

export interface Scaling {
  readonly scaling: readonly ScalableTarget[];
  /** Logical IDs skipped because ecs-local does not emulate them. */
  readonly skipped: ReadonlySet<string>;
  readonly notEmulatedFeatures: readonly { constructPath: string; what: string }[];
}

export function readScaling(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
  context: {
    readonly services: readonly Service[];
    readonly clusters: readonly Cluster[];
    readonly targetGroups: readonly TargetGroup[];
  },
): Scaling {
  const skipped = new Set<string>();
  const targets: ScalableTarget[] = [];
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
    const service = serviceOf(read, resourceId, context);
    const minCapacity = read.number(p.MinCapacity, "MinCapacity");
    const maxCapacity = read.number(p.MaxCapacity, "MaxCapacity");
    if (minCapacity > maxCapacity) {
      throw read.error(
        `MinCapacity ${minCapacity} is greater than MaxCapacity ${maxCapacity}.`,
        "Use minCapacity <= maxCapacity.",
      );
    }
    const suspended = read.object(p.SuspendedState, "SuspendedState");
    const flag = (raw: unknown, name: string) => read.optionalBoolean(raw, name) ?? false;
    targets.push({
      origin,
      serviceId: service.origin.logicalId,
      resourceId: `service/${service.clusterName}/${service.name}`,
      minCapacity,
      maxCapacity,
      policies: [],
      scheduledActions: read
        .list(p.ScheduledActions, "ScheduledActions")
        .map((raw, i) => readScheduledAction(read, raw, `ScheduledActions[${i}]`)),
      suspended: {
        dynamicScalingIn: flag(suspended.DynamicScalingInSuspended, "DynamicScalingInSuspended"),
        dynamicScalingOut: flag(suspended.DynamicScalingOutSuspended, "DynamicScalingOutSuspended"),
        scheduledScaling: flag(suspended.ScheduledScalingSuspended, "ScheduledScalingSuspended"),
      },
    });
  }

  const policies = readScalingPolicies(entries, ctx, { targets, ...context });
  return {
    scaling: targets.map((target) => ({
      ...target,
      policies: policies.byTarget.get(target.origin.logicalId) ?? [],
    })),
    skipped: new Set([...skipped, ...policies.skipped]),
    notEmulatedFeatures: policies.notEmulatedFeatures,
  };
}

function serviceOf(
  read: PropertyReader,
  resourceId: string,
  context: { readonly services: readonly Service[]; readonly clusters: readonly Cluster[] },
): Service {
  const { services, clusters } = context;
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
  return service;
}

function readScheduledAction(read: PropertyReader, raw: unknown, at: string): ScheduledAction {
  const action = read.object(raw, at);
  const bounds = read.object(action.ScalableTargetAction, `${at}.ScalableTargetAction`);
  const minCapacity = read.optionalNumber(
    bounds.MinCapacity,
    `${at}.ScalableTargetAction.MinCapacity`,
  );
  const maxCapacity = read.optionalNumber(
    bounds.MaxCapacity,
    `${at}.ScalableTargetAction.MaxCapacity`,
  );
  const time = (value: unknown, property: string) => {
    const text = read.optionalString(value, `${at}.${property}`);
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) {
      throw read.error(
        `${at}.${property} is "${text}"; expected a date and time such as 2026-01-01T00:00:00Z.`,
        "Fix the scheduled action's startTime or endTime.",
      );
    }
    return ms;
  };
  const startTime = time(action.StartTime, "StartTime");
  const endTime = time(action.EndTime, "EndTime");
  const timezone = read.optionalString(action.Timezone, `${at}.Timezone`);
  return {
    name: read.string(action.ScheduledActionName, `${at}.ScheduledActionName`),
    schedule: read.string(action.Schedule, `${at}.Schedule`),
    ...(minCapacity === undefined ? {} : { minCapacity }),
    ...(maxCapacity === undefined ? {} : { maxCapacity }),
    ...(startTime === undefined ? {} : { startTime }),
    ...(endTime === undefined ? {} : { endTime }),
    ...(timezone === undefined ? {} : { timezone }),
  };
}
