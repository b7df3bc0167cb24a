import type { ServiceConnectMetricName } from "./types.js";

/**
 * The series key of a Service Connect metric. `DiscoveryName` metrics are about what reached
 * the name's tasks; `TargetDiscoveryName` ones about what one client service sent it.
 * Without `service`, the series covers every service (the single-dimension form).
 */
export function serviceConnectSeries(
  name: ServiceConnectMetricName,
  discovery: {
    readonly dimension: "DiscoveryName" | "TargetDiscoveryName";
    readonly value: string;
  },
  service?: { readonly serviceName: string; readonly clusterName: string },
): string {
  const base = `${name} ${discovery.dimension}=${discovery.value}`;
  return service
    ? `${base} ServiceName=${service.serviceName} ClusterName=${service.clusterName}`
    : base;
}
