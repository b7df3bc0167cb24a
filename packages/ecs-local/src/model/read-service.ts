/**
 * ECS services: deployment settings, load balancer targets, security groups and Service
 * Connect, each with ECS's defaults and checked against the task definition the way ECS checks
 * it at deploy time, so the mistake shows up before anything starts.
 */
import type { ResolveContext } from "./intrinsics.js";
import { type PropertyReader, propertyReader } from "./property-reader.js";
import { referencedIds } from "./read-load-balancer.js";
import { entriesOfType, type ResourceEntry } from "./template.js";
import type {
  Cluster,
  Namespace,
  Service,
  ServiceConnect,
  ServiceConnectService,
  ServiceLoadBalancer,
  TargetGroup,
  TaskDefinition,
} from "./types.js";

/** ECS and Service Connect defaults, in one place. */
export const SERVICE_DEFAULTS = {
  desiredCount: 1,
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  healthCheckGracePeriodSeconds: 0,
  perRequestTimeoutSeconds: 15,
  idleTimeoutSecondsHttp: 300,
  idleTimeoutSecondsTcp: 3600,
} as const;

export interface ServiceInputs {
  readonly clusters: readonly Cluster[];
  readonly namespaces: readonly Namespace[];
  readonly taskDefinitions: readonly TaskDefinition[];
  readonly targetGroups: readonly TargetGroup[];
  /** Services' DependsOn closure, computed separately (see service-dependencies.ts). */
  readonly dependsOnServices: ReadonlyMap<string, readonly string[]>;
}

export interface ServicesAndClusters {
  readonly services: readonly Service[];
  /** The template's clusters plus any a service names that is defined outside the stack. */
  readonly clusters: readonly Cluster[];
}

export function readServices(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
  inputs: ServiceInputs,
): ServicesAndClusters {
  const clusters = [...inputs.clusters];
  const services = entriesOfType(entries, "AWS::ECS::Service").map(({ resource, origin }) => {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const cluster = findCluster(read, p.Cluster, clusters);
    const taskDefinition = findTaskDefinition(read, p.TaskDefinition, inputs.taskDefinitions);
    const deployment = read.object(p.DeploymentConfiguration, "DeploymentConfiguration");
    const breaker = read.object(
      deployment.DeploymentCircuitBreaker,
      "DeploymentConfiguration.DeploymentCircuitBreaker",
    );
    const network = read.object(
      read.object(p.NetworkConfiguration, "NetworkConfiguration").AwsvpcConfiguration,
      "NetworkConfiguration.AwsvpcConfiguration",
    );
    const serviceConnect = readServiceConnect(read, p.ServiceConnectConfiguration, {
      cluster,
      taskDefinition,
      namespaces: inputs.namespaces,
    });
    const service: Service = {
      origin,
      name: read.optionalString(p.ServiceName, "ServiceName") ?? origin.logicalId,
      clusterId: cluster.origin.logicalId,
      clusterName: cluster.name,
      taskDefinitionId: taskDefinition.origin.logicalId,
      desiredCount:
        read.optionalNumber(p.DesiredCount, "DesiredCount") ?? SERVICE_DEFAULTS.desiredCount,
      deployment: {
        minimumHealthyPercent:
          read.optionalNumber(deployment.MinimumHealthyPercent, "MinimumHealthyPercent") ??
          SERVICE_DEFAULTS.minimumHealthyPercent,
        maximumPercent:
          read.optionalNumber(deployment.MaximumPercent, "MaximumPercent") ??
          SERVICE_DEFAULTS.maximumPercent,
        circuitBreaker: {
          enable: read.optionalBoolean(breaker.Enable, "DeploymentCircuitBreaker.Enable") ?? false,
          rollback:
            read.optionalBoolean(breaker.Rollback, "DeploymentCircuitBreaker.Rollback") ?? false,
        },
      },
      ...(serviceConnect === undefined ? {} : { serviceConnect }),
      loadBalancers: readServiceLoadBalancers(
        read,
        p.LoadBalancers,
        taskDefinition,
        inputs.targetGroups,
      ),
      securityGroupIds: referencedIds(read, network.SecurityGroups, "SecurityGroups"),
      healthCheckGracePeriodMs:
        (read.optionalNumber(p.HealthCheckGracePeriodSeconds, "HealthCheckGracePeriodSeconds") ??
          SERVICE_DEFAULTS.healthCheckGracePeriodSeconds) * 1000,
      enableExecuteCommand:
        read.optionalBoolean(p.EnableExecuteCommand, "EnableExecuteCommand") ?? false,
      dependsOnServices: inputs.dependsOnServices.get(origin.logicalId) ?? [],
    };
    return service;
  });
  return { services, clusters };
}

/**
 * The service's cluster. No `Cluster` means ECS's `default` cluster; a cluster named but not
 * defined in this stack (imported) joins the model by name, without Service Connect defaults.
 */
function findCluster(read: PropertyReader, raw: unknown, clusters: Cluster[]): Cluster {
  const byId = read.logicalId(raw);
  const byName =
    byId === undefined ? (read.optionalString(raw, "Cluster") ?? "default") : undefined;
  const name = byName?.startsWith("arn:") ? byName.split("/").at(-1) : byName;
  const found = clusters.find(
    (cluster) => cluster.origin.logicalId === byId || (name !== undefined && cluster.name === name),
  );
  if (found !== undefined) return found;
  if (byId !== undefined || name === undefined) {
    throw read.error(
      `Cluster refers to ${byId}, which is not an AWS::ECS::Cluster.`,
      "Pass an ecs.Cluster as the service's cluster.",
    );
  }
  const external: Cluster = { origin: { logicalId: name, constructPath: name }, name };
  clusters.push(external);
  return external;
}

function findTaskDefinition(
  read: PropertyReader,
  raw: unknown,
  taskDefinitions: readonly TaskDefinition[],
): TaskDefinition {
  const id = read.logicalId(raw);
  const found = taskDefinitions.find((definition) => definition.origin.logicalId === id);
  if (found !== undefined) return found;
  const written = raw === undefined ? "nothing" : JSON.stringify(raw);
  throw read.error(
    `TaskDefinition refers to ${written}, which is not a task definition of this stack.`,
    "Define the task definition in the same stack as the service (ecs-local cannot run task definitions registered elsewhere).",
  );
}

function readServiceLoadBalancers(
  read: PropertyReader,
  raw: unknown,
  taskDefinition: TaskDefinition,
  targetGroups: readonly TargetGroup[],
): ServiceLoadBalancer[] {
  return read.list(raw, "LoadBalancers").flatMap((item, i) => {
    const at = `LoadBalancers[${i}]`;
    const entry = read.object(item, at);
    const targetGroupId = read.logicalId(entry.TargetGroupArn);
    // Classic load balancers and groups ecs-local does not emulate (NLB) are skipped.
    if (
      targetGroupId === undefined ||
      !targetGroups.some((g) => g.origin.logicalId === targetGroupId)
    ) {
      return [];
    }
    const containerName = read.string(entry.ContainerName, `${at}.ContainerName`);
    const containerPort = read.number(entry.ContainerPort, `${at}.ContainerPort`);
    const container = taskDefinition.containers.find((c) => c.name === containerName);
    if (container === undefined) {
      throw read.error(
        `${at} targets container "${containerName}", which task definition ${taskDefinition.origin.constructPath} does not have (it has: ${listOrNone(taskDefinition.containers.map((c) => c.name))}).`,
        "Use one of those container names in service.loadBalancerTarget({ containerName, containerPort }).",
      );
    }
    if (!container.portMappings.some((mapping) => mapping.containerPort === containerPort)) {
      throw read.error(
        `${at} targets port ${containerPort} of container "${containerName}", which maps no such port (it maps: ${listOrNone(container.portMappings.map((m) => String(m.containerPort)))}).`,
        `Add a port mapping for ${containerPort} to container "${containerName}", or target a port it maps.`,
      );
    }
    return [{ targetGroupId, containerName, containerPort }];
  });
}

interface ServiceConnectInputs {
  readonly cluster: Cluster;
  readonly taskDefinition: TaskDefinition;
  readonly namespaces: readonly Namespace[];
}

function readServiceConnect(
  read: PropertyReader,
  raw: unknown,
  inputs: ServiceConnectInputs,
): ServiceConnect | undefined {
  if (raw === undefined) return undefined;
  const config = read.object(raw, "ServiceConnectConfiguration");
  if (read.optionalBoolean(config.Enabled, "ServiceConnectConfiguration.Enabled") !== true) {
    return undefined;
  }
  const namespace = findNamespace(read, config.Namespace, inputs);
  const services = read
    .list(config.Services, "ServiceConnectConfiguration.Services")
    .map((item, i) =>
      readServiceConnectService(
        read,
        item,
        `ServiceConnectConfiguration.Services[${i}]`,
        namespace,
        inputs.taskDefinition,
      ),
    );
  return { namespaceId: namespace.origin.logicalId, namespaceName: namespace.name, services };
}

function findNamespace(
  read: PropertyReader,
  raw: unknown,
  inputs: ServiceConnectInputs,
): Namespace {
  const known = listOrNone(inputs.namespaces.map((n) => `"${n.name}"`));
  if (raw === undefined) {
    const fallback = inputs.namespaces.find(
      (n) => n.origin.logicalId === inputs.cluster.defaultNamespaceId,
    );
    if (fallback !== undefined) return fallback;
    throw read.error(
      `enables Service Connect without a namespace, and cluster ${inputs.cluster.origin.constructPath} has no default namespace.`,
      "Pass serviceConnectConfiguration.namespace, or give the cluster a default: cluster.addDefaultCloudMapNamespace({ name, useForServiceConnect: true }).",
    );
  }
  const byId = read.logicalId(raw);
  // ECS accepts the namespace's name or ARN.
  const byName =
    byId === undefined
      ? read.optionalString(raw, "ServiceConnectConfiguration.Namespace")
      : undefined;
  const found = inputs.namespaces.find(
    (n) => n.origin.logicalId === byId || (byName !== undefined && n.name === byName),
  );
  if (found !== undefined) return found;
  throw read.error(
    `ServiceConnectConfiguration.Namespace ${JSON.stringify(byId ?? byName ?? raw)} is not a Cloud Map namespace of this stack (namespaces: ${known}).`,
    'Use a namespace defined in this stack (e.g. cluster.addDefaultCloudMapNamespace({ name: "local", useForServiceConnect: true })) and pass its ARN or name.',
  );
}

function readServiceConnectService(
  read: PropertyReader,
  raw: unknown,
  at: string,
  namespace: Namespace,
  taskDefinition: TaskDefinition,
): ServiceConnectService {
  const entry = read.object(raw, at);
  const portName = read.string(entry.PortName, `${at}.PortName`);
  const mapping = taskDefinition.containers
    .flatMap((container) => container.portMappings)
    .find((candidate) => candidate.name === portName);
  if (mapping === undefined) {
    throw portNameError(read, at, portName, taskDefinition);
  }
  const discoveryName = read.optionalString(entry.DiscoveryName, `${at}.DiscoveryName`) ?? portName;
  const rawAliases = read.list(entry.ClientAliases, `${at}.ClientAliases`);
  // Without client aliases, clients reach the service by its discovery name on the mapped port.
  const aliases = (rawAliases.length > 0 ? rawAliases : [{}]).map((item, i) => {
    const alias = read.object(item, `${at}.ClientAliases[${i}]`);
    return {
      dnsName:
        read.optionalString(alias.DnsName, `${at}.ClientAliases[${i}].DnsName`) ??
        `${discoveryName}.${namespace.name}`,
      port:
        read.optionalNumber(alias.Port, `${at}.ClientAliases[${i}].Port`) ?? mapping.containerPort,
    };
  });
  const timeout = read.object(entry.Timeout, `${at}.Timeout`);
  const ingressPortOverride = read.optionalNumber(
    entry.IngressPortOverride,
    `${at}.IngressPortOverride`,
  );
  const idleDefault =
    mapping.appProtocol === undefined
      ? SERVICE_DEFAULTS.idleTimeoutSecondsTcp
      : SERVICE_DEFAULTS.idleTimeoutSecondsHttp;
  return {
    portName,
    discoveryName,
    containerPort: mapping.containerPort,
    ...(mapping.appProtocol === undefined ? {} : { appProtocol: mapping.appProtocol }),
    clientAliases: aliases,
    ...(ingressPortOverride === undefined ? {} : { ingressPortOverride }),
    perRequestTimeoutMs:
      (read.optionalNumber(
        timeout.PerRequestTimeoutSeconds,
        `${at}.Timeout.PerRequestTimeoutSeconds`,
      ) ?? SERVICE_DEFAULTS.perRequestTimeoutSeconds) * 1000,
    idleTimeoutMs:
      (read.optionalNumber(timeout.IdleTimeoutSeconds, `${at}.Timeout.IdleTimeoutSeconds`) ??
        idleDefault) * 1000,
  };
}

/**
 * ECS rejects a Service Connect port name that no port mapping carries. The common cause is a
 * port mapping without `name`, so the fix points at that mapping when there is one.
 */
function portNameError(
  read: PropertyReader,
  at: string,
  portName: string,
  taskDefinition: TaskDefinition,
) {
  const mappings = taskDefinition.containers.flatMap((container) =>
    container.portMappings.map((mapping) => ({ container: container.name, mapping })),
  );
  const named = mappings.flatMap(({ mapping }) =>
    mapping.name === undefined ? [] : [`"${mapping.name}"`],
  );
  const unnamed = mappings.filter(({ mapping }) => mapping.name === undefined);
  const where = `task definition ${taskDefinition.origin.constructPath}`;
  if (unnamed.length > 0) {
    const list = unnamed
      .map((u) => `container "${u.container}" port ${u.mapping.containerPort}`)
      .join(", ");
    return read.error(
      `${at}.PortName is "${portName}", but no port mapping of ${where} has that name (named: ${listOrNone(named)}); the port mapping(s) ${list} have no name, and Service Connect finds port mappings only by name.`,
      `Name the port mapping: portMappings: [{ name: "${portName}", containerPort: ${unnamed[0]?.mapping.containerPort} }].`,
    );
  }
  return read.error(
    `${at}.PortName is "${portName}", but no port mapping of ${where} has that name (named: ${listOrNone(named)}).`,
    `Set portMappingName to one of those names, or add a port mapping named "${portName}".`,
  );
}

function listOrNone(items: readonly string[]): string {
  return items.length === 0 ? "none" : items.join(", ");
}
