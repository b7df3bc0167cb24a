/**
 * The task metadata v4 documents of a task, as a Fargate task's containers read them from
 * `$ECS_CONTAINER_METADATA_URI_V4`. Pure: a snapshot of the task in, JSON-ready objects out.
 */
import { createHash } from "node:crypto";
import type { ContainerDefinition, Service, TaskDefinition } from "../model/types.js";
import { shownAddress } from "../sandbox/task-addresses.js";
import type { HealthStatus, TaskStatus } from "./task-state.js";

/**
 * A container's Docker ID as Fargate shows it: `<32-hex task id>-<10 digits>`. The digits
 * come from the container's name, so they are stable for the task's life.
 */
export function dockerIdOf(taskId: string, containerName: string): string {
  const digest = createHash("sha256").update(containerName).digest();
  return `${taskId}-${String(digest.readUInt32BE(0)).padStart(10, "0")}`;
}

export interface TaskSnapshot {
  readonly id: string;
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  readonly taskDefinitionRevision: number;
  readonly region: string;
  readonly accountId: string;
  readonly status: TaskStatus;
  readonly desiredStatus: "RUNNING" | "STOPPED";
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly containerHealth: (name: string) => HealthStatus;
  readonly exitCodes: Readonly<Record<string, number | null>>;
  /** Its address on the run network; a task of a run without one shows 127.0.0.1. */
  readonly address?: string | undefined;
}

export function taskArn(task: Pick<TaskSnapshot, "id" | "service" | "region" | "accountId">) {
  return `arn:aws:ecs:${task.region}:${task.accountId}:task/${task.service.clusterName}/${task.id}`;
}

/** The document of one container (`GET $ECS_CONTAINER_METADATA_URI_V4`). */
export function containerDocument(
  task: TaskSnapshot,
  container: ContainerDefinition,
): Record<string, unknown> {
  const exitCode = task.exitCodes[container.name];
  return {
    DockerId: dockerIdOf(task.id, container.name),
    Name: container.name,
    DockerName: `ecs-${task.taskDefinition.family}-${container.name}`,
    Image:
      container.image.kind === "asset"
        ? `asset:${container.image.assetHash}`
        : container.image.name,
    Labels: {
      "com.amazonaws.ecs.cluster": task.service.clusterName,
      "com.amazonaws.ecs.container-name": container.name,
      "com.amazonaws.ecs.task-arn": taskArn(task),
      "com.amazonaws.ecs.task-definition-family": task.taskDefinition.family,
    },
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.status,
    ...(container.healthCheck ? { Health: { status: task.containerHealth(container.name) } } : {}),
    ...(exitCode === undefined || exitCode === null ? {} : { ExitCode: exitCode }),
    ...(container.memoryMiB === undefined ? {} : { Limits: { Memory: container.memoryMiB } }),
    Type: "NORMAL",
    ContainerARN: `${taskArn(task)}/${container.name}`,
    Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: [shownAddress(task.address)] }],
  };
}

/** The task's document (`GET $ECS_CONTAINER_METADATA_URI_V4/task`). */
export function taskDocument(task: TaskSnapshot): Record<string, unknown> {
  const { taskDefinition } = task;
  return {
    Cluster: task.service.clusterName,
    TaskARN: taskArn(task),
    Family: taskDefinition.family,
    Revision: String(task.taskDefinitionRevision),
    ServiceName: task.service.name,
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.status,
    ...(taskDefinition.cpu === undefined && taskDefinition.memoryMiB === undefined
      ? {}
      : {
          Limits: {
            ...(taskDefinition.cpu === undefined ? {} : { CPU: taskDefinition.cpu / 1024 }),
            ...(taskDefinition.memoryMiB === undefined ? {} : { Memory: taskDefinition.memoryMiB }),
          },
        }),
    AvailabilityZone: `${task.region}a`,
    LaunchType: "FARGATE",
    PullStartedAt: new Date(task.createdAt).toISOString(),
    ...(task.startedAt ? { StartedAt: new Date(task.startedAt).toISOString() } : {}),
    Containers: taskDefinition.containers.map((c) => containerDocument(task, c)),
  };
}
