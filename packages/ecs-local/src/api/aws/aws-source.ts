/**
 * What the AWS APIs read of a run and ask of it. The shapes are built from these plain
 * snapshots by pure functions; `controlPlaneSource` (control-plane-source.ts) is the one
 * implementation over a running control plane, and the unit tests build the same from an
 * in-memory control plane.
 */
import type { Deployment } from "../../control/deployment/deployment-types.js";
import type { Instance } from "../../control/registry.js";
import type { ScalingActivity } from "../../control/scaling/autoscaler.js";
import type { ServiceEvent } from "../../control/service-controller.js";
import type { HealthStatus, TaskStatus } from "../../control/task-state.js";
import type { EmulatedMetric, Model, Service, TaskDefinition } from "../../model/types.js";

export interface TaskState {
  readonly id: string;
  readonly status: TaskStatus;
  readonly desiredStatus: "RUNNING" | "STOPPED";
  /** The deployment that started it (`startedBy`). */
  readonly deploymentId: string;
  /** The revision of the family it runs. */
  readonly taskDefinitionRevision: number;
  /** The task's health: its essential containers' checks together. */
  readonly health: HealthStatus;
  /** Wall-clock milliseconds. */
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly stoppedReason?: string;
  /** Stopped on its own (an exit, a failed health check), not by request. */
  readonly failed: boolean;
  readonly exitCodes: Readonly<Record<string, number | null>>;
  /** Stopped through StopTask. */
  readonly stoppedByUser: boolean;
  /** Its address on the run network; a task of a run without one shows 127.0.0.1. */
  readonly address?: string | undefined;
}

export interface ServiceState {
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  readonly desiredCount: number;
  /** Its tasks, oldest first, with the few recently stopped ones ECS keeps showing. */
  readonly tasks: readonly TaskState[];
  /** The scheduler's events, oldest first. */
  readonly events: readonly ServiceEvent[];
  /** The deployments ECS lists, PRIMARY first. */
  readonly deployments: readonly Deployment[];
}

/** A metric statistic CloudWatch computes. */
export type Statistic = "SampleCount" | "Average" | "Sum" | "Minimum" | "Maximum";

export interface AwsApiSource {
  readonly model: Model;
  /** Wall-clock milliseconds when the run's control plane began: every creation time. */
  readonly startedAt: number;
  services(): ServiceState[];
  /** The Cloud Map registry's instances. */
  instances(): readonly Instance[];
  /** Changes whenever an instance registers or deregisters (DiscoverInstances' revision). */
  instancesRevision(): number;
  /** Application Auto Scaling's activities, oldest first. */
  activities(): readonly ScalingActivity[];
  /** A scalable target's current bounds (scheduled actions move them). */
  bounds(serviceName: string): { minCapacity: number; maxCapacity: number } | undefined;
  /** The metric store's datapoints: `count` periods ending at `endAws`, oldest first. */
  datapoints(
    metric: EmulatedMetric,
    statistic: Statistic,
    periodMs: number,
    count: number,
    endAws: number,
  ): (number | undefined)[];
  /** AWS time (milliseconds since the run began, times the time scale) now. */
  awsNow(): number;
  awsTimeOf(wallMs: number): number;
  wallTimeOf(awsMs: number): number;
  /** As `ecs-local scale`: the scheduler starts or stops tasks at once. */
  setDesiredCount(serviceName: string, count: number): void;
  /** Stops one task; its service's scheduler replaces it. */
  stopTask(taskId: string, reason: string): void;
  /** Adds a service event in ECS's words (DescribeServices, `ecs-local events`). */
  noteServiceEvent(serviceName: string, message: string): void;
  /**
   * The revisions of a family: the template's is 1, each image rebuilt under `up --watch`
   * adds one. Empty for a family the run does not have.
   */
  taskDefinitionRevisions(family: string): readonly TaskDefinition[];
  /** Starts a deployment of the service's current revision that replaces every task. */
  forceNewDeployment(serviceName: string): void;
  /** A new deployment of one of the family's revisions (UpdateService `taskDefinition`). */
  deployRevision(serviceName: string, revision: number): void;
}
