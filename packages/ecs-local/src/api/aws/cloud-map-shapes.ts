/**
 * Cloud Map as a run has it: the namespaces of the stack (and any a service's Service Connect
 * names without defining it), one Cloud Map service per discovery name, and the registry's
 * instances, in the shapes ListNamespaces, ListServices, ListInstances, GetInstance and
 * DiscoverInstances answer (§5.4 of the AWS reference). Pure.
 */
import type { Instance } from "../../control/registry.js";
import {
  cloudMapServiceArn,
  cloudMapServiceId,
  namespaceArn,
  namespaceId,
} from "../../model/arns.js";
import type { Model } from "../../model/types.js";

export interface CloudMapNamespace {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly type: "DNS_PRIVATE" | "DNS_PUBLIC" | "HTTP";
}

export interface CloudMapService {
  readonly id: string;
  readonly arn: string;
  /** The discovery name. */
  readonly name: string;
  readonly namespace: CloudMapNamespace;
}

export interface CloudMapCatalog {
  readonly namespaces: readonly CloudMapNamespace[];
  readonly services: readonly CloudMapService[];
}

/** The namespaces and Cloud Map services of a model, with their AWS IDs. */
export function cloudMapCatalog(model: Model): CloudMapCatalog {
  const namespaces = new Map<string, CloudMapNamespace>();
  const addNamespace = (name: string, type: CloudMapNamespace["type"]) => {
    if (namespaces.has(name)) return;
    const id = namespaceId(model.stackName, name);
    namespaces.set(name, { id, arn: namespaceArn(model, id), name, type });
  };
  for (const namespace of model.namespaces) addNamespace(namespace.name, namespace.type);
  const services = new Map<string, CloudMapService>();
  for (const service of model.services) {
    const connect = service.serviceConnect;
    if (!connect) continue;
    // A namespace imported by name is Service Connect's kind: HTTP.
    addNamespace(connect.namespaceName, "HTTP");
    const namespace = namespaces.get(connect.namespaceName) as CloudMapNamespace;
    for (const entry of connect.services) {
      const key = `${namespace.name}/${entry.discoveryName}`;
      if (services.has(key)) continue;
      const id = cloudMapServiceId(model.stackName, namespace.name, entry.discoveryName);
      services.set(key, {
        id,
        arn: cloudMapServiceArn(model, id),
        name: entry.discoveryName,
        namespace,
      });
    }
  }
  return { namespaces: [...namespaces.values()], services: [...services.values()] };
}

/** The registry's instances of one Cloud Map service, by instance ID. */
export function instancesOf(service: CloudMapService, instances: readonly Instance[]): Instance[] {
  return instances
    .filter((i) => i.discoveryName === service.name)
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

export function namespaceSummary(
  model: Model,
  namespace: CloudMapNamespace,
  catalog: CloudMapCatalog,
  createdAt: Date,
): Record<string, unknown> {
  return {
    Id: namespace.id,
    Arn: namespace.arn,
    ResourceOwner: model.accountId,
    Name: namespace.name,
    Type: namespace.type,
    ServiceCount: catalog.services.filter((s) => s.namespace.id === namespace.id).length,
    Properties:
      namespace.type === "HTTP"
        ? { HttpProperties: { HttpName: namespace.name } }
        : { DnsProperties: {}, HttpProperties: { HttpName: namespace.name } },
    CreateDate: createdAt,
  };
}

export function serviceSummary(
  model: Model,
  service: CloudMapService,
  instances: readonly Instance[],
  createdAt: Date,
): Record<string, unknown> {
  return {
    Id: service.id,
    Arn: service.arn,
    ResourceOwner: model.accountId,
    Name: service.name,
    // Service Connect registers its instances through the API, not DNS.
    Type: "HTTP",
    InstanceCount: instancesOf(service, instances).length,
    CreateDate: createdAt,
    CreatedByAccount: model.accountId,
  };
}

export function instanceSummary(model: Model, instance: Instance): Record<string, unknown> {
  return {
    Id: instance.instanceId,
    Attributes: { ...instance.attributes },
    CreatedByAccount: model.accountId,
  };
}

/**
 * DiscoverInstances' answer for one instance. Every instance in the registry passed its
 * checks (a task is registered once RUNNING and healthy, and deregistered when it is not).
 */
export function discoveredInstance(
  service: CloudMapService,
  instance: Instance,
): Record<string, unknown> {
  return {
    InstanceId: instance.instanceId,
    NamespaceName: service.namespace.name,
    ServiceName: service.name,
    HealthStatus: "HEALTHY",
    Attributes: { ...instance.attributes },
  };
}

/**
 * DiscoverInstances' attribute filters: every query parameter must match; the optional ones
 * narrow the result only when some instance matches all of them.
 */
export function filterDiscovered(
  instances: readonly Instance[],
  query: Readonly<Record<string, string>>,
  optional: Readonly<Record<string, string>>,
): Instance[] {
  const matches = (i: Instance, wanted: Readonly<Record<string, string>>) =>
    Object.entries(wanted).every(([k, v]) => i.attributes[k] === v);
  const required = instances.filter((i) => matches(i, query));
  const preferred = required.filter((i) => matches(i, optional));
  return preferred.length > 0 ? preferred : required;
}
