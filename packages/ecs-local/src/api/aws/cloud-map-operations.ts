/**
 * The Cloud Map operations ecs-local serves (X-Amz-Target `Route53AutoNaming_v20170314.*`),
 * read-only: the namespaces, the services Service Connect registers, their instances and
 * their health. IDs are AWS-shaped (`ns-…`, `srv-…`) and stable for the run.
 */
import { AwsApiError } from "../../errors.js";
import type { AwsApiSource } from "./aws-source.js";
import {
  type CloudMapCatalog,
  type CloudMapService,
  cloudMapCatalog,
  discoveredInstance,
  filterDiscovered,
  instanceSummary,
  instancesOf,
  namespaceSummary,
  serviceSummary,
} from "./cloud-map-shapes.js";
import type { InputReader } from "./input.js";
import { paginate } from "./pagination.js";

type Operation = (source: AwsApiSource, input: InputReader) => unknown;

/** One `Filters` entry: a name, its values and how they compare. */
interface Filter {
  readonly name: string;
  readonly values: readonly string[];
  readonly condition: "EQ" | "IN" | "BETWEEN" | "BEGINS_WITH";
}

function filtersOf(input: InputReader, names: readonly string[]): Filter[] {
  return (input.objectList("Filters") ?? []).map((f) => {
    const name = f.choice("Name", names);
    if (name === undefined) throw f.invalid("Name", null, "Member must not be null");
    const values = f.stringList("Values", { required: true }) ?? [];
    const condition = f.choice("Condition", ["EQ", "IN", "BETWEEN", "BEGINS_WITH"]) ?? "EQ";
    if (condition === "BETWEEN")
      throw f.invalid("Condition", condition, `BETWEEN does not apply to ${name}`);
    return { name, values, condition };
  });
}

function matchesFilter(value: string, filter: Filter): boolean {
  const first = filter.values[0] ?? "";
  switch (filter.condition) {
    case "EQ":
      return value === first;
    case "IN":
      return filter.values.includes(value);
    case "BEGINS_WITH":
      return value.startsWith(first);
    default:
      return false;
  }
}

function page<T>(input: InputReader, items: readonly T[], max = 100) {
  return paginate(items, {
    nextToken: input.string("NextToken"),
    maxResults: input.integer("MaxResults", { min: 1, max }),
    defaultSize: 100,
    invalidTokenCode: "InvalidInput",
  });
}

function serviceById(catalog: CloudMapCatalog, id: string): CloudMapService {
  const service = catalog.services.find((s) => s.id === id);
  if (!service) {
    throw new AwsApiError(
      "ServiceNotFound",
      `No Cloud Map service has the ID ${id}; ListServices gives the run's (${catalog.services.map((s) => `${s.id} ${s.name}`).join(", ") || "none"}).`,
    );
  }
  return service;
}

const listNamespaces: Operation = (source, input) => {
  const filters = filtersOf(input, ["TYPE", "NAME", "HTTP_NAME", "RESOURCE_OWNER"]);
  const catalog = cloudMapCatalog(source.model);
  const createdAt = new Date(source.startedAt);
  const fieldOf = (name: string, ns: CloudMapCatalog["namespaces"][number]) =>
    name === "TYPE" ? ns.type : name === "RESOURCE_OWNER" ? source.model.accountId : ns.name;
  const namespaces = catalog.namespaces.filter((ns) =>
    filters.every((f) => matchesFilter(fieldOf(f.name, ns), f)),
  );
  const result = page(input, namespaces);
  return {
    Namespaces: result.items.map((ns) => namespaceSummary(source.model, ns, catalog, createdAt)),
    ...(result.nextToken ? { NextToken: result.nextToken } : {}),
  };
};

const listServices: Operation = (source, input) => {
  const filters = filtersOf(input, ["NAMESPACE_ID", "RESOURCE_OWNER"]);
  const catalog = cloudMapCatalog(source.model);
  const instances = source.instances();
  const createdAt = new Date(source.startedAt);
  const services = catalog.services.filter((s) =>
    filters.every((f) =>
      matchesFilter(f.name === "NAMESPACE_ID" ? s.namespace.id : source.model.accountId, f),
    ),
  );
  const result = page(input, services);
  return {
    Services: result.items.map((s) => serviceSummary(source.model, s, instances, createdAt)),
    ...(result.nextToken ? { NextToken: result.nextToken } : {}),
  };
};

const listInstances: Operation = (source, input) => {
  const service = serviceById(cloudMapCatalog(source.model), input.requiredString("ServiceId"));
  const result = page(input, instancesOf(service, source.instances()));
  return {
    ResourceOwner: source.model.accountId,
    Instances: result.items.map((i) => instanceSummary(source.model, i)),
    ...(result.nextToken ? { NextToken: result.nextToken } : {}),
  };
};

const getInstance: Operation = (source, input) => {
  const service = serviceById(cloudMapCatalog(source.model), input.requiredString("ServiceId"));
  const id = input.requiredString("InstanceId");
  const instance = instancesOf(service, source.instances()).find((i) => i.instanceId === id);
  if (!instance) {
    throw new AwsApiError(
      "InstanceNotFound",
      `No instance ${id} is registered in ${service.id} (${service.name}); a task is an instance while it is RUNNING and healthy.`,
    );
  }
  return {
    ResourceOwner: source.model.accountId,
    Instance: instanceSummary(source.model, instance),
  };
};

const discoverInstances: Operation = (source, input) => {
  const namespaceName = input.requiredString("NamespaceName");
  const serviceName = input.requiredString("ServiceName");
  const max = input.integer("MaxResults", { min: 1, max: 1000 }) ?? 100;
  const query = input.stringMap("QueryParameters") ?? {};
  const optional = input.stringMap("OptionalParameters") ?? {};
  const health =
    input.choice("HealthStatus", ["HEALTHY", "UNHEALTHY", "ALL", "HEALTHY_OR_ELSE_ALL"]) ??
    "HEALTHY";
  const catalog = cloudMapCatalog(source.model);
  if (!catalog.namespaces.some((n) => n.name === namespaceName)) {
    throw new AwsApiError("NamespaceNotFound", `No namespace is named ${namespaceName}.`);
  }
  const service = catalog.services.find(
    (s) => s.namespace.name === namespaceName && s.name === serviceName,
  );
  if (!service) {
    throw new AwsApiError(
      "ServiceNotFound",
      `No service ${serviceName} is registered in the namespace ${namespaceName}.`,
    );
  }
  // Every registered instance is healthy, so only UNHEALTHY finds nothing.
  const registered = health === "UNHEALTHY" ? [] : instancesOf(service, source.instances());
  return {
    Instances: filterDiscovered(registered, query, optional)
      .slice(0, max)
      .map((i) => discoveredInstance(service, i)),
    InstancesRevision: source.instancesRevision(),
  };
};

const getInstancesHealthStatus: Operation = (source, input) => {
  const service = serviceById(cloudMapCatalog(source.model), input.requiredString("ServiceId"));
  const wanted = input.stringList("Instances", { max: 100 });
  const registered = instancesOf(service, source.instances());
  const unknown = (wanted ?? []).filter((id) => !registered.some((i) => i.instanceId === id));
  if (unknown.length > 0) {
    throw new AwsApiError(
      "InstanceNotFound",
      `No instance ${unknown.join(", ")} is registered in ${service.id} (${service.name}).`,
    );
  }
  const ids = wanted ?? registered.map((i) => i.instanceId);
  const result = page(input, ids);
  return {
    Status: Object.fromEntries(result.items.map((id) => [id, "HEALTHY"])),
    ...(result.nextToken ? { NextToken: result.nextToken } : {}),
  };
};

export const CLOUD_MAP_OPERATIONS: Readonly<Record<string, Operation>> = {
  ListNamespaces: listNamespaces,
  ListServices: listServices,
  ListInstances: listInstances,
  GetInstance: getInstance,
  DiscoverInstances: discoverInstances,
  GetInstancesHealthStatus: getInstancesHealthStatus,
};
