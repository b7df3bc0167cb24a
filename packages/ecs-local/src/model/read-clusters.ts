/**
 * Cloud Map namespaces and ECS clusters: the two things a Service Connect namespace choice
 * depends on (explicit on the service, else the cluster's `ServiceConnectDefaults`).
 */
import type { ResolveContext } from "./intrinsics.js";
import { propertyReader } from "./property-reader.js";
import { entriesOfType, type ResourceEntry } from "./template.js";
import type { Cluster, Namespace } from "./types.js";

const NAMESPACE_TYPES: Readonly<Record<string, Namespace["type"]>> = {
  "AWS::ServiceDiscovery::PrivateDnsNamespace": "DNS_PRIVATE",
  "AWS::ServiceDiscovery::PublicDnsNamespace": "DNS_PUBLIC",
  "AWS::ServiceDiscovery::HttpNamespace": "HTTP",
};

export const NAMESPACE_RESOURCE_TYPES = Object.keys(NAMESPACE_TYPES);

export function readNamespaces(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
): Namespace[] {
  return entriesOfType(entries, ...NAMESPACE_RESOURCE_TYPES).map(({ resource, origin }) => {
    const read = propertyReader(ctx, origin);
    return {
      origin,
      name: read.string(resource.Properties?.Name, "Name"),
      type: NAMESPACE_TYPES[resource.Type] ?? "HTTP",
    };
  });
}

export interface ClustersAndNamespaces {
  readonly clusters: readonly Cluster[];
  /** The template's namespaces plus those a cluster's defaults create by name. */
  readonly namespaces: readonly Namespace[];
}

/**
 * Reads clusters. A `ServiceConnectDefaults.Namespace` given as a plain name that no namespace
 * of the template has makes ECS create an HTTP namespace of that name, so the model adds one
 * (its logical ID is the name).
 */
export function readClusters(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
  namespaces: readonly Namespace[],
): ClustersAndNamespaces {
  const all = [...namespaces];
  const clusters = entriesOfType(entries, "AWS::ECS::Cluster").map(({ resource, origin }) => {
    const read = propertyReader(ctx, origin);
    const properties = resource.Properties ?? {};
    const name = read.optionalString(properties.ClusterName, "ClusterName") ?? origin.logicalId;
    const defaults = read.object(properties.ServiceConnectDefaults, "ServiceConnectDefaults");
    const rawNamespace = defaults.Namespace;
    if (rawNamespace === undefined) return { origin, name };
    const byReference = read.logicalId(rawNamespace);
    const byName = read.optionalString(rawNamespace, "ServiceConnectDefaults.Namespace");
    let namespace = all.find(
      (candidate) =>
        candidate.origin.logicalId === byReference ||
        (byReference === undefined && candidate.name === byName),
    );
    if (namespace === undefined) {
      if (byReference !== undefined || byName === undefined || byName.startsWith("arn:")) {
        throw read.error(
          `ServiceConnectDefaults.Namespace ${JSON.stringify(rawNamespace)} is not a Cloud Map namespace of this stack.`,
          "Create the namespace in this stack (cluster.addDefaultCloudMapNamespace({ name, useForServiceConnect: true })); ecs-local cannot see namespaces defined elsewhere.",
        );
      }
      namespace = {
        origin: { logicalId: byName, constructPath: origin.constructPath },
        name: byName,
        type: "HTTP",
      };
      all.push(namespace);
    }
    return { origin, name, defaultNamespaceId: namespace.origin.logicalId };
  });
  return { clusters, namespaces: all };
}
