/**
 * Small typed models for the control logic's unit tests: a service with its task definition,
 * Service Connect and load balancer settings as ECS's defaults fill them in.
 */
import type {
  ContainerDefinition,
  Model,
  Service,
  TargetGroup,
  TaskDefinition,
} from "../../model/types.js";

const origin = (logicalId: string) => ({ logicalId, constructPath: `Stack/${logicalId}` });

export interface ServiceSpec {
  readonly name: string;
  readonly desiredCount?: number;
  /** Logical IDs of services this one waits for. */
  readonly dependsOn?: readonly string[];
  /** Registers `<name>:<port>` in Service Connect (an alias `<name>.local`). */
  readonly port?: number;
  readonly healthCheck?: boolean;
  /** The target group the service's container port is registered in. */
  readonly targetGroup?: string;
  /** The deployment settings; CDK's defaults (100 %, 200 %, no circuit breaker) otherwise. */
  readonly deployment?: Partial<Service["deployment"]>;
}

export function container(spec: ServiceSpec): ContainerDefinition {
  return {
    name: "app",
    image: { kind: "asset", assetHash: "0".repeat(64) },
    essential: true,
    portMappings:
      spec.port === undefined
        ? []
        : [{ name: spec.name, containerPort: spec.port, protocol: "tcp", appProtocol: "http" }],
    environment: {},
    secrets: [],
    environmentFiles: [],
    dependsOn: [],
    stopTimeoutSeconds: 30,
    ...(spec.healthCheck
      ? {
          healthCheck: {
            command: ["CMD-SHELL", "true"],
            intervalMs: 30_000,
            timeoutMs: 5_000,
            retries: 3,
            startPeriodMs: 0,
          },
        }
      : {}),
  };
}

export function taskDefinition(spec: ServiceSpec): TaskDefinition {
  return { origin: origin(`${spec.name}Task`), family: spec.name, containers: [container(spec)] };
}

export function service(spec: ServiceSpec): Service {
  return {
    origin: origin(spec.name),
    name: spec.name,
    clusterId: "Cluster",
    clusterName: "test-cluster",
    taskDefinitionId: `${spec.name}Task`,
    desiredCount: spec.desiredCount ?? 1,
    deployment: {
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      circuitBreaker: { enable: false, rollback: false },
      ...spec.deployment,
    },
    ...(spec.port === undefined
      ? {}
      : {
          serviceConnect: {
            namespaceId: "Namespace",
            namespaceName: "local",
            services: [
              {
                portName: spec.name,
                discoveryName: spec.name,
                containerPort: spec.port,
                appProtocol: "http" as const,
                clientAliases: [{ dnsName: `${spec.name}.local`, port: spec.port }],
                perRequestTimeoutMs: 15_000,
                idleTimeoutMs: 300_000,
              },
            ],
          },
        }),
    loadBalancers:
      spec.targetGroup === undefined || spec.port === undefined
        ? []
        : [{ targetGroupId: spec.targetGroup, containerName: "app", containerPort: spec.port }],
    securityGroupIds: [],
    healthCheckGracePeriodMs: 0,
    enableExecuteCommand: false,
    dependsOnServices: spec.dependsOn ?? [],
  };
}

export function targetGroup(logicalId: string, port: number): TargetGroup {
  return {
    origin: origin(logicalId),
    port,
    protocol: "HTTP",
    targetType: "ip",
    healthCheck: {
      path: "/",
      matcher: "200",
      intervalMs: 30_000,
      timeoutMs: 5_000,
      healthyThreshold: 5,
      unhealthyThreshold: 2,
    },
    deregistrationDelayMs: 300_000,
  };
}

export function model(specs: readonly ServiceSpec[], extra: Partial<Model> = {}): Model {
  return {
    stackName: "Test",
    region: "local-1",
    accountId: "000000000000",
    clusters: [{ origin: origin("Cluster"), name: "test-cluster" }],
    namespaces: [{ origin: origin("Namespace"), name: "local", type: "HTTP" }],
    taskDefinitions: specs.map(taskDefinition),
    services: specs.map(service),
    loadBalancers: [],
    targetGroups: [],
    scaling: [],
    securityGroups: [],
    vpcCidrs: [],
    notEmulated: [],
    notEmulatedFeatures: [],
    ...extra,
  };
}
