/**
 * Application load balancers: target groups (with ALB's health-check defaults), load
 * balancers, their listeners and listener rules. Network and gateway load balancers, and
 * target groups for them, are left to `notEmulated`.
 */
import type { ResolveContext } from "./intrinsics.js";
import { type PropertyReader, propertyReader } from "./property-reader.js";
import { entriesOfType, type ResourceEntry } from "./template.js";
import type { Listener, ListenerRule, LoadBalancer, TargetGroup } from "./types.js";

/** ALB target group defaults (HTTP/HTTPS, target type ip or instance). */
export const TARGET_GROUP_DEFAULTS = {
  path: "/",
  matcher: "200",
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  deregistrationDelaySeconds: 300,
} as const;

const HTTP_PROTOCOLS = new Set(["HTTP", "HTTPS"]);

export interface LoadBalancing {
  readonly loadBalancers: readonly LoadBalancer[];
  readonly targetGroups: readonly TargetGroup[];
  /** Logical IDs of ELBv2 resources skipped because they are not application load balancing. */
  readonly skipped: ReadonlySet<string>;
}

export function readLoadBalancing(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
): LoadBalancing {
  const skipped = new Set<string>();
  const targetGroups: TargetGroup[] = [];
  for (const { resource, origin } of entriesOfType(
    entries,
    "AWS::ElasticLoadBalancingV2::TargetGroup",
  )) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const protocol = (read.optionalString(p.Protocol, "Protocol") ?? "HTTP").toUpperCase();
    const targetType = read.optionalString(p.TargetType, "TargetType") ?? "instance";
    if (!HTTP_PROTOCOLS.has(protocol) || (targetType !== "ip" && targetType !== "instance")) {
      skipped.add(origin.logicalId);
      continue;
    }
    const attributes = readAttributes(read, p.TargetGroupAttributes);
    const delay = Number(
      attributes["deregistration_delay.timeout_seconds"] ??
        TARGET_GROUP_DEFAULTS.deregistrationDelaySeconds,
    );
    const matcher = read.object(p.Matcher, "Matcher");
    const seconds = (raw: unknown, property: string, fallback: number) =>
      (read.optionalNumber(raw, property) ?? fallback) * 1000;
    targetGroups.push({
      origin,
      // ECS registers each task's container port, so the group's own port is only a default.
      port: read.optionalNumber(p.Port, "Port") ?? (protocol === "HTTPS" ? 443 : 80),
      protocol: protocol as TargetGroup["protocol"],
      targetType,
      healthCheck: {
        path:
          read.optionalString(p.HealthCheckPath, "HealthCheckPath") ?? TARGET_GROUP_DEFAULTS.path,
        matcher:
          read.optionalString(matcher.HttpCode, "Matcher.HttpCode") ??
          TARGET_GROUP_DEFAULTS.matcher,
        intervalMs: seconds(
          p.HealthCheckIntervalSeconds,
          "HealthCheckIntervalSeconds",
          TARGET_GROUP_DEFAULTS.intervalSeconds,
        ),
        timeoutMs: seconds(
          p.HealthCheckTimeoutSeconds,
          "HealthCheckTimeoutSeconds",
          TARGET_GROUP_DEFAULTS.timeoutSeconds,
        ),
        healthyThreshold:
          read.optionalNumber(p.HealthyThresholdCount, "HealthyThresholdCount") ??
          TARGET_GROUP_DEFAULTS.healthyThreshold,
        unhealthyThreshold:
          read.optionalNumber(p.UnhealthyThresholdCount, "UnhealthyThresholdCount") ??
          TARGET_GROUP_DEFAULTS.unhealthyThreshold,
      },
      deregistrationDelayMs: (Number.isFinite(delay) ? delay : 300) * 1000,
    });
  }
  const groupIds = new Set(targetGroups.map((group) => group.origin.logicalId));

  const rulesByListener = new Map<string, ListenerRule[]>();
  for (const { resource, origin } of entriesOfType(
    entries,
    "AWS::ElasticLoadBalancingV2::ListenerRule",
  )) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const listenerId = read.logicalId(p.ListenerArn);
    const targetGroupId = forwardTarget(read, p.Actions, "Actions");
    // Redirects and fixed responses have no target group; ecs-local does not serve them.
    if (listenerId === undefined || targetGroupId === undefined || !groupIds.has(targetGroupId)) {
      skipped.add(origin.logicalId);
      continue;
    }
    const pathPatterns: string[] = [];
    const hostHeaders: string[] = [];
    read.list(p.Conditions, "Conditions").forEach((raw, i) => {
      const condition = read.object(raw, `Conditions[${i}]`);
      const field = read.optionalString(condition.Field, `Conditions[${i}].Field`);
      const config =
        field === "path-pattern" ? condition.PathPatternConfig : condition.HostHeaderConfig;
      const values = [
        ...(read.stringList(condition.Values, `Conditions[${i}].Values`) ?? []),
        ...(read.stringList(
          read.object(config, `Conditions[${i}]`).Values,
          `Conditions[${i}].Values`,
        ) ?? []),
      ];
      if (field === "path-pattern") pathPatterns.push(...values);
      else if (field === "host-header") hostHeaders.push(...values);
    });
    const rule: ListenerRule = {
      origin,
      priority: read.number(p.Priority, "Priority"),
      pathPatterns,
      hostHeaders,
      targetGroupId,
    };
    rulesByListener.set(listenerId, [...(rulesByListener.get(listenerId) ?? []), rule]);
  }

  const listenersByBalancer = new Map<string, Listener[]>();
  for (const { resource, origin } of entriesOfType(
    entries,
    "AWS::ElasticLoadBalancingV2::Listener",
  )) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const balancerId = read.logicalId(p.LoadBalancerArn);
    const protocol = (read.optionalString(p.Protocol, "Protocol") ?? "HTTP").toUpperCase();
    if (balancerId === undefined || !HTTP_PROTOCOLS.has(protocol)) {
      skipped.add(origin.logicalId);
      continue;
    }
    const defaultTargetGroupId = forwardTarget(read, p.DefaultActions, "DefaultActions");
    const listener: Listener = {
      origin,
      port: read.number(p.Port, "Port"),
      protocol: protocol as Listener["protocol"],
      ...(defaultTargetGroupId !== undefined && groupIds.has(defaultTargetGroupId)
        ? { defaultTargetGroupId }
        : {}),
      rules: [...(rulesByListener.get(origin.logicalId) ?? [])].sort(
        (a, b) => a.priority - b.priority,
      ),
    };
    listenersByBalancer.set(balancerId, [...(listenersByBalancer.get(balancerId) ?? []), listener]);
  }

  const loadBalancers: LoadBalancer[] = [];
  for (const { resource, origin } of entriesOfType(
    entries,
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
  )) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    if ((read.optionalString(p.Type, "Type") ?? "application") !== "application") {
      skipped.add(origin.logicalId);
      continue;
    }
    const scheme = read.optionalString(p.Scheme, "Scheme") ?? "internet-facing";
    loadBalancers.push({
      origin,
      scheme: scheme === "internal" ? "internal" : "internet-facing",
      securityGroupIds: referencedIds(read, p.SecurityGroups, "SecurityGroups"),
      listeners: listenersByBalancer.get(origin.logicalId) ?? [],
    });
  }
  return { loadBalancers, targetGroups, skipped };
}

/** The target group of the first `forward` action (a weighted forward uses its first group). */
function forwardTarget(read: PropertyReader, raw: unknown, property: string): string | undefined {
  for (const [i, item] of read.list(raw, property).entries()) {
    const action = read.object(item, `${property}[${i}]`);
    if (read.optionalString(action.Type, `${property}[${i}].Type`) !== "forward") continue;
    if (action.TargetGroupArn !== undefined) return read.logicalId(action.TargetGroupArn);
    const groups = read.list(
      read.object(action.ForwardConfig, `${property}[${i}].ForwardConfig`).TargetGroups,
      `${property}[${i}].ForwardConfig.TargetGroups`,
    );
    const first = groups[0];
    if (first !== undefined) {
      return read.logicalId(read.object(first, `${property}[${i}]`).TargetGroupArn);
    }
  }
  return undefined;
}

function readAttributes(read: PropertyReader, raw: unknown): Record<string, string> {
  return Object.fromEntries(
    read.list(raw, "TargetGroupAttributes").map((item, i) => {
      const attribute = read.object(item, `TargetGroupAttributes[${i}]`);
      return [
        read.string(attribute.Key, `TargetGroupAttributes[${i}].Key`),
        read.optionalString(attribute.Value, `TargetGroupAttributes[${i}].Value`) ?? "",
      ];
    }),
  );
}

/**
 * Logical IDs of the referenced resources; an ID from outside the stack (e.g. an imported
 * `sg-…`) is kept as written so the rule still shows up, though it matches no group.
 */
export function referencedIds(read: PropertyReader, raw: unknown, property: string): string[] {
  return read.list(raw, property).map((item, i) => {
    return read.logicalId(item) ?? read.string(item, `${property}[${i}]`);
  });
}
