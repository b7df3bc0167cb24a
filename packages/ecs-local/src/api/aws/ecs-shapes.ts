/**
 * ECS's shapes (Cluster, Service, Task, TaskDefinition) from a run's model and state, as
 * DescribeClusters, DescribeServices, DescribeTasks and DescribeTaskDefinition answer them
 * (§5.3 of the AWS reference). Timestamps are `Date`s; the wire layer writes them as epoch
 * seconds. Pure.
 */
import type { Deployment } from "../../control/deployment/deployment-types.js";
import {
  cloudMapServiceArn,
  cloudMapServiceId,
  clusterArn,
  namespaceArn,
  namespaceId,
  serviceArn,
  stableUuid,
  targetGroupArn,
  targetGroupDimension,
  taskArn,
  taskDefinitionArn,
} from "../../model/arns.js";
import type {
  Cluster,
  ContainerDefinition,
  Model,
  Service,
  TaskDefinition,
} from "../../model/types.js";
import { shownAddress } from "../../sandbox/task-addresses.js";
import type { ServiceState, TaskState } from "./aws-source.js";

/** What every ECS shape needs besides its own state. */
export interface EcsContext {
  readonly model: Model;
  /** Wall-clock milliseconds when the run began: when its clusters and services were created. */
  readonly startedAt: number;
}

/** ECS keeps a service's events for the console's 100. */
const EVENTS_SHOWN = 100;

/** The task's lastStatus moves forward only; its version counts the steps, as ECS's does. */
const STATUS_VERSION: Readonly<Record<TaskState["status"], number>> = {
  PROVISIONING: 1,
  PENDING: 2,
  RUNNING: 3,
  DEACTIVATING: 4,
  STOPPING: 5,
  STOPPED: 6,
};

export function isRunning(task: TaskState): boolean {
  return task.status === "RUNNING";
}

export function isPending(task: TaskState): boolean {
  return task.status === "PROVISIONING" || task.status === "PENDING";
}

export function clusterShape(
  ctx: EcsContext,
  cluster: Cluster,
  services: readonly ServiceState[],
): Record<string, unknown> {
  const mine = services.filter((s) => s.service.clusterName === cluster.name);
  const tasks = mine.flatMap((s) => s.tasks);
  const namespace = ctx.model.namespaces.find(
    (n) => n.origin.logicalId === cluster.defaultNamespaceId,
  );
  return {
    clusterArn: clusterArn(ctx.model, cluster.name),
    clusterName: cluster.name,
    status: "ACTIVE",
    registeredContainerInstancesCount: 0,
    runningTasksCount: tasks.filter(isRunning).length,
    pendingTasksCount: tasks.filter(isPending).length,
    activeServicesCount: mine.length,
    statistics: [],
    tags: [],
    settings: [{ name: "containerInsights", value: "disabled" }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
    ...(namespace
      ? {
          serviceConnectDefaults: {
            namespace: namespaceArn(ctx.model, namespaceId(ctx.model.stackName, namespace.name)),
          },
        }
      : {}),
  };
}

function deploymentShape(
  ctx: EcsContext,
  state: ServiceState,
  deployment: Deployment,
): Record<string, unknown> {
  const { service } = state;
  const mine = (t: TaskState) => t.deploymentId === deployment.id;
  const live = state.tasks.filter((t) => t.desiredStatus === "RUNNING" && mine(t));
  const connect = service.serviceConnect;
  return {
    id: deployment.id,
    status: deployment.status,
    taskDefinition: taskDefinitionArn(
      ctx.model,
      state.taskDefinition.family,
      deployment.taskDefinitionRevision,
    ),
    desiredCount: deployment.status === "PRIMARY" ? state.desiredCount : live.length,
    pendingCount: live.filter(isPending).length,
    runningCount: live.filter(isRunning).length,
    failedTasks: deployment.failedTasks,
    createdAt: new Date(deployment.createdAt),
    updatedAt: new Date(deployment.updatedAt),
    launchType: "FARGATE",
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    rolloutState: deployment.rolloutState,
    rolloutStateReason: deployment.rolloutStateReason,
    networkConfiguration: networkConfiguration(service),
    ...(connect
      ? {
          serviceConnectConfiguration: {
            enabled: true,
            namespace: connect.namespaceName,
            services: connect.services.map((s) => ({
              portName: s.portName,
              discoveryName: s.discoveryName,
              clientAliases: s.clientAliases.map((a) => ({ port: a.port, dnsName: a.dnsName })),
              ...(s.ingressPortOverride === undefined
                ? {}
                : { ingressPortOverride: s.ingressPortOverride }),
            })),
          },
          serviceConnectResources: connect.services.map((s) => ({
            discoveryName: s.discoveryName,
            discoveryArn: cloudMapServiceArn(
              ctx.model,
              cloudMapServiceId(ctx.model.stackName, connect.namespaceName, s.discoveryName),
            ),
          })),
        }
      : {}),
  };
}

/** Security groups by their logical IDs in the template: nothing is deployed to give them IDs. */
function networkConfiguration(service: Service): Record<string, unknown> {
  return {
    awsvpcConfiguration: {
      subnets: [],
      securityGroups: [...service.securityGroupIds],
      assignPublicIp: "DISABLED",
    },
  };
}

export function serviceShape(ctx: EcsContext, state: ServiceState): Record<string, unknown> {
  const { service } = state;
  const live = state.tasks.filter((t) => t.desiredStatus === "RUNNING");
  const arn = serviceArn(ctx.model, service.clusterName, service.name);
  return {
    serviceArn: arn,
    serviceName: service.name,
    clusterArn: clusterArn(ctx.model, service.clusterName),
    loadBalancers: service.loadBalancers.map((lb) => {
      const group = ctx.model.targetGroups.find((g) => g.origin.logicalId === lb.targetGroupId);
      return {
        ...(group
          ? {
              targetGroupArn: targetGroupArn(
                ctx.model,
                targetGroupDimension(ctx.model.stackName, group),
              ),
            }
          : {}),
        containerName: lb.containerName,
        containerPort: lb.containerPort,
      };
    }),
    serviceRegistries: [],
    status: "ACTIVE",
    desiredCount: state.desiredCount,
    runningCount: live.filter(isRunning).length,
    pendingCount: live.filter(isPending).length,
    launchType: "FARGATE",
    platformVersion: "LATEST",
    platformFamily: "Linux",
    taskDefinition: taskDefinitionArn(
      ctx.model,
      state.taskDefinition.family,
      state.deployments[0]?.taskDefinitionRevision,
    ),
    deploymentConfiguration: {
      deploymentCircuitBreaker: {
        enable: service.deployment.circuitBreaker.enable,
        rollback: service.deployment.circuitBreaker.rollback,
      },
      maximumPercent: service.deployment.maximumPercent,
      minimumHealthyPercent: service.deployment.minimumHealthyPercent,
    },
    deployments: state.deployments.map((d) => deploymentShape(ctx, state, d)),
    events: state.events
      .map((event) => ({
        id: stableUuid(`${arn}/event/${event.at}/${event.message}`),
        createdAt: new Date(event.at),
        message: event.message,
      }))
      .reverse()
      .slice(0, EVENTS_SHOWN),
    createdAt: new Date(ctx.startedAt),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: networkConfiguration(service),
    healthCheckGracePeriodSeconds: Math.round(service.healthCheckGracePeriodMs / 1000),
    schedulingStrategy: "REPLICA",
    deploymentController: { type: "ECS" },
    enableECSManagedTags: false,
    propagateTags: "NONE",
    enableExecuteCommand: service.enableExecuteCommand,
  };
}

/** ECS's stopCode: who or what stopped a task. */
function stopCode(task: TaskState): string {
  if (task.stoppedByUser) return "UserInitiated";
  if (!task.failed) return "ServiceSchedulerInitiated";
  return task.startedAt === undefined ? "TaskFailedToStart" : "EssentialContainerExited";
}

function containerStatus(task: TaskState, container: ContainerDefinition): string {
  const exitCode = task.exitCodes[container.name];
  if (exitCode !== undefined && exitCode !== null) return "STOPPED";
  if (task.status === "STOPPED") return "STOPPED";
  return isRunning(task) || task.status === "DEACTIVATING" || task.status === "STOPPING"
    ? "RUNNING"
    : "PENDING";
}

export function taskShape(
  ctx: EcsContext,
  state: ServiceState,
  task: TaskState,
): Record<string, unknown> {
  const { service, taskDefinition } = state;
  const arn = taskArn(ctx.model, service.clusterName, task.id);
  const attachmentId = stableUuid(`${arn}/eni`);
  const stopping = task.desiredStatus === "STOPPED";
  return {
    taskArn: arn,
    clusterArn: clusterArn(ctx.model, service.clusterName),
    taskDefinitionArn: taskDefinitionArn(
      ctx.model,
      taskDefinition.family,
      task.taskDefinitionRevision,
    ),
    group: `service:${service.name}`,
    startedBy: task.deploymentId,
    lastStatus: task.status,
    desiredStatus: task.desiredStatus,
    healthStatus: task.health,
    launchType: "FARGATE",
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    ...(taskDefinition.cpu === undefined ? {} : { cpu: String(taskDefinition.cpu) }),
    ...(taskDefinition.memoryMiB === undefined ? {} : { memory: String(taskDefinition.memoryMiB) }),
    availabilityZone: `${ctx.model.region}a`,
    connectivity: "CONNECTED",
    connectivityAt: new Date(task.createdAt),
    createdAt: new Date(task.createdAt),
    ...(task.startedAt === undefined ? {} : { startedAt: new Date(task.startedAt) }),
    version: STATUS_VERSION[task.status],
    enableExecuteCommand: service.enableExecuteCommand,
    attachments: [
      {
        id: attachmentId,
        type: "ElasticNetworkInterface",
        status: task.status === "STOPPED" ? "DELETED" : "ATTACHED",
        details: [
          {
            name: "networkInterfaceId",
            value: `eni-${attachmentId.replace(/-/g, "").slice(0, 17)}`,
          },
          { name: "privateIPv4Address", value: shownAddress(task.address) },
        ],
      },
    ],
    containers: taskDefinition.containers.map((container) => {
      const exitCode = task.exitCodes[container.name];
      return {
        containerArn: `${arn}/${container.name}`,
        taskArn: arn,
        name: container.name,
        image:
          container.image.kind === "asset"
            ? `asset:${container.image.assetHash}`
            : container.image.name,
        lastStatus: containerStatus(task, container),
        ...(exitCode === undefined || exitCode === null ? {} : { exitCode }),
        // ecs-local keeps one verdict per task (its essential containers together).
        healthStatus: container.healthCheck ? task.health : "UNKNOWN",
        networkInterfaces: [{ attachmentId, privateIpv4Address: shownAddress(task.address) }],
        ...(container.memoryMiB === undefined ? {} : { memory: String(container.memoryMiB) }),
      };
    }),
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [] },
    tags: [],
    ...(stopping
      ? {
          stopCode: stopCode(task),
          ...(task.stoppedReason === undefined ? {} : { stoppedReason: task.stoppedReason }),
        }
      : {}),
  };
}

const seconds = (ms: number) => Math.round(ms / 1000);

function containerDefinitionShape(container: ContainerDefinition): Record<string, unknown> {
  const health = container.healthCheck;
  return {
    name: container.name,
    image:
      container.image.kind === "asset"
        ? `asset:${container.image.assetHash}`
        : container.image.name,
    essential: container.essential,
    portMappings: container.portMappings.map((p) => ({
      containerPort: p.containerPort,
      hostPort: p.containerPort,
      protocol: p.protocol,
      ...(p.name === undefined ? {} : { name: p.name }),
      ...(p.appProtocol === undefined ? {} : { appProtocol: p.appProtocol }),
    })),
    environment: Object.entries(container.environment).map(([name, value]) => ({ name, value })),
    environmentFiles: container.environmentFiles.map((f) => ({ value: f.valueFrom, type: "s3" })),
    // Where each secret comes from, never its value.
    secrets: container.secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom })),
    ...(container.entryPoint ? { entryPoint: [...container.entryPoint] } : {}),
    ...(container.command ? { command: [...container.command] } : {}),
    ...(container.workingDirectory ? { workingDirectory: container.workingDirectory } : {}),
    ...(health
      ? {
          healthCheck: {
            command: [...health.command],
            interval: seconds(health.intervalMs),
            timeout: seconds(health.timeoutMs),
            retries: health.retries,
            startPeriod: seconds(health.startPeriodMs),
          },
        }
      : {}),
    dependsOn: container.dependsOn.map((d) => ({
      containerName: d.containerName,
      condition: d.condition,
    })),
    stopTimeout: container.stopTimeoutSeconds,
    ...(container.memoryMiB === undefined ? {} : { memory: container.memoryMiB }),
    mountPoints: [],
    volumesFrom: [],
  };
}

export function taskDefinitionShape(
  ctx: EcsContext,
  taskDefinition: TaskDefinition,
  revision = 1,
): Record<string, unknown> {
  return {
    taskDefinitionArn: taskDefinitionArn(ctx.model, taskDefinition.family, revision),
    family: taskDefinition.family,
    revision,
    status: "ACTIVE",
    containerDefinitions: taskDefinition.containers.map(containerDefinitionShape),
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    compatibilities: ["EC2", "FARGATE"],
    ...(taskDefinition.cpu === undefined ? {} : { cpu: String(taskDefinition.cpu) }),
    ...(taskDefinition.memoryMiB === undefined ? {} : { memory: String(taskDefinition.memoryMiB) }),
    volumes: [],
    placementConstraints: [],
    registeredAt: new Date(ctx.startedAt),
  };
}
