/**
 * CloudWatch's view of the run's metric store: which stored metric a namespace, name and
 * dimensions mean, and the series of one statistic over a wall-clock window. Pure.
 *
 * Time: the store keeps AWS time (real time since the run began × `--time-scale`), in
 * 20-second bins. A request's `Period` is AWS time, as the template's periods are; its
 * `StartTime` and `EndTime` are wall-clock. Periods are counted from the run's start, and a
 * datapoint's timestamp is the wall-clock time its period began: at the default scale 10, the
 * datapoints of a 60-second period are 6 real seconds apart. Only complete periods have
 * datapoints.
 */

import { forwardsTo, loadBalancerDimension, targetGroupDimension } from "../../model/arns.js";
import { serviceConnectSeries } from "../../model/service-connect-series.js";
import type { EmulatedMetric, Model, ServiceConnectMetricName } from "../../model/types.js";
import type { Statistic } from "./aws-source.js";

/** The statistics ecs-local computes (no percentiles). */
export const STATISTICS: readonly Statistic[] = [
  "SampleCount",
  "Average",
  "Sum",
  "Minimum",
  "Maximum",
];

/** The store's resolution; a Period must be a multiple of it that CloudWatch allows. */
const BIN_SECONDS = 20;

export interface ResolvedMetric {
  readonly metric: EmulatedMetric;
  readonly unit: "Percent" | "Count" | "Bytes" | "Milliseconds";
}

const SERVICE_CONNECT_UNITS: Readonly<Record<ServiceConnectMetricName, ResolvedMetric["unit"]>> = {
  RequestCount: "Count",
  ProcessedBytes: "Bytes",
  NewConnectionCount: "Count",
  ActiveConnectionCount: "Count",
  HTTPCode_Target_2XX_Count: "Count",
  HTTPCode_Target_3XX_Count: "Count",
  HTTPCode_Target_4XX_Count: "Count",
  HTTPCode_Target_5XX_Count: "Count",
  TargetResponseTime: "Milliseconds",
  TargetProcessedBytes: "Bytes",
};

/** `TargetDiscoveryName` metrics are about what a client service sent (§4.3). */
const TARGET_METRICS = new Set<string>([
  "HTTPCode_Target_2XX_Count",
  "HTTPCode_Target_3XX_Count",
  "HTTPCode_Target_4XX_Count",
  "HTTPCode_Target_5XX_Count",
  "TargetResponseTime",
  "TargetProcessedBytes",
]);

/**
 * A Service Connect metric with one of its two dimension sets: the discovery name alone, or
 * with ServiceName and ClusterName of a service of the run.
 */
function resolveServiceConnect(
  model: Model,
  name: ServiceConnectMetricName,
  dims: ReadonlyMap<string, string>,
): ResolvedMetric | undefined {
  const dimension = TARGET_METRICS.has(name) ? "TargetDiscoveryName" : "DiscoveryName";
  const discoveryName = dims.get(dimension);
  const known = model.services.some((s) =>
    s.serviceConnect?.services.some((e) => e.discoveryName === discoveryName),
  );
  if (discoveryName === undefined || !known) return undefined;
  const discovery = { dimension, value: discoveryName } as const;
  const unit = SERVICE_CONNECT_UNITS[name];
  if (dims.size === 1) {
    return {
      metric: { namespace: "AWS/ECS", name, series: serviceConnectSeries(name, discovery) },
      unit,
    };
  }
  const serviceName = dims.get("ServiceName");
  const clusterName = dims.get("ClusterName");
  const service = model.services.find(
    (s) => s.name === serviceName && s.clusterName === clusterName,
  );
  if (dims.size !== 3 || !service) return undefined;
  const series = serviceConnectSeries(name, discovery, {
    serviceName: service.name,
    clusterName: service.clusterName,
  });
  return { metric: { namespace: "AWS/ECS", name, series }, unit };
}

export interface Dimension {
  readonly name: string;
  readonly value: string;
}

const ALB_METRICS = new Set([
  "RequestCount",
  "RequestCountPerTarget",
  "HealthyHostCount",
  "UnHealthyHostCount",
]);

/**
 * The stored metric a request names, or undefined when ecs-local has no such metric (which
 * CloudWatch answers with no datapoints, not an error). Dimensions must match a set the metric
 * is published with: ECS `ClusterName` + `ServiceName`; ALB `TargetGroup`, optionally with
 * `LoadBalancer` (and `AvailabilityZone`).
 */
export function resolveMetric(
  model: Model,
  namespace: string,
  name: string,
  dimensions: readonly Dimension[],
): ResolvedMetric | undefined {
  const dims = new Map(dimensions.map((d) => [d.name, d.value]));
  if (dims.size !== dimensions.length) return undefined;
  if (namespace === "AWS/ECS" && Object.hasOwn(SERVICE_CONNECT_UNITS, name)) {
    return resolveServiceConnect(model, name as ServiceConnectMetricName, dims);
  }
  if (namespace === "AWS/ECS" && (name === "CPUUtilization" || name === "MemoryUtilization")) {
    if (dims.size !== 2) return undefined;
    const service = model.services.find(
      (s) => s.clusterName === dims.get("ClusterName") && s.name === dims.get("ServiceName"),
    );
    return service
      ? { metric: { namespace, name, serviceId: service.origin.logicalId }, unit: "Percent" }
      : undefined;
  }
  if (namespace === "AWS/ApplicationELB" && ALB_METRICS.has(name)) {
    const group = model.targetGroups.find(
      (g) => targetGroupDimension(model.stackName, g) === dims.get("TargetGroup"),
    );
    if (!group) return undefined;
    const id = group.origin.logicalId;
    for (const [key, value] of dims) {
      if (key === "TargetGroup") continue;
      if (key === "AvailabilityZone" && value === `${model.region}a`) continue;
      const forwards = model.loadBalancers.some(
        (lb) =>
          loadBalancerDimension(model.stackName, lb.origin.logicalId) === value &&
          forwardsTo(lb, id),
      );
      if (key === "LoadBalancer" && forwards) continue;
      return undefined;
    }
    return {
      metric: {
        namespace,
        name: name as
          | "RequestCount"
          | "RequestCountPerTarget"
          | "HealthyHostCount"
          | "UnHealthyHostCount",
        targetGroupId: id,
      },
      unit: "Count",
    };
  }
  return undefined;
}

/** Why CloudWatch (or ecs-local) refuses a period, or undefined when it is fine. */
export function periodProblem(periodSeconds: number): string | undefined {
  if (periodSeconds === BIN_SECONDS || periodSeconds % 60 === 0) return undefined;
  return `The Period ${periodSeconds} is not one ecs-local can give: it keeps metrics in 20-second periods, so a Period must be 20 or a multiple of 60 (CloudWatch also allows 1, 5, 10 and 30 for high-resolution metrics, which ecs-local does not have).`;
}

/** The run's clock, as the metric store and CloudWatch's answers relate. */
export interface RunClock {
  readonly awsNow: () => number;
  readonly awsTimeOf: (wallMs: number) => number;
  readonly wallTimeOf: (awsMs: number) => number;
}

/** The complete periods a wall-clock window covers: the first's index and how many. */
export function periodsIn(
  clock: RunClock,
  window: { readonly start: Date; readonly end: Date },
  periodMs: number,
): { readonly first: number; readonly count: number } {
  const start = Math.max(0, clock.awsTimeOf(window.start.getTime()));
  const end = clock.awsTimeOf(window.end.getTime());
  // CloudWatch rounds the start down to a period boundary; a period counts once complete.
  const first = Math.floor(start / periodMs);
  const last = Math.min(Math.ceil(end / periodMs), Math.floor(clock.awsNow() / periodMs)) - 1;
  return { first, count: Math.max(0, last - first + 1) };
}

/** How many periods a window asks for, complete or not (CloudWatch's 1,440 limit). */
export function periodsAskedFor(
  clock: RunClock,
  window: { readonly start: Date; readonly end: Date },
  periodMs: number,
): number {
  const span = clock.awsTimeOf(window.end.getTime()) - clock.awsTimeOf(window.start.getTime());
  return Math.ceil(span / periodMs);
}

export interface Datapoint {
  readonly timestamp: Date;
  readonly value: number;
}

/** The datapoints of one statistic over a window, oldest first; periods without data are left out. */
export function series(
  clock: RunClock,
  datapoints: (
    metric: EmulatedMetric,
    statistic: Statistic,
    periodMs: number,
    count: number,
    endAws: number,
  ) => readonly (number | undefined)[],
  request: {
    readonly metric: EmulatedMetric;
    readonly statistic: Statistic;
    readonly periodMs: number;
    readonly start: Date;
    readonly end: Date;
  },
): Datapoint[] {
  const { first, count } = periodsIn(clock, request, request.periodMs);
  if (count === 0) return [];
  const values = datapoints(
    request.metric,
    request.statistic,
    request.periodMs,
    count,
    (first + count) * request.periodMs,
  );
  return values.flatMap((value, i) =>
    value === undefined
      ? []
      : [
          {
            timestamp: new Date(Math.round(clock.wallTimeOf((first + i) * request.periodMs))),
            value,
          },
        ],
  );
}
