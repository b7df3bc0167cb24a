/**
 * How a service's list of deployments changes: a new deployment becomes PRIMARY and the one
 * before it ACTIVE; at completion the PRIMARY is COMPLETED and the ACTIVE ones INACTIVE
 * (§3.1 of the reference). Pure: lists in, new lists out, newest first as ECS lists them.
 */
import { completedReason, type Deployment, inProgressReason } from "./deployment-types.js";

export interface NewDeployment {
  readonly id: string;
  readonly taskDefinitionRevision: number;
  readonly taskDefinitionKey: string;
  readonly desiredCount: number;
  readonly now: number;
  /** @default `inProgressReason(id)`; a rollback passes its `rollbackReason`. */
  readonly rolloutStateReason?: string;
}

/**
 * The deployments once `next` starts: `next` as PRIMARY and IN_PROGRESS, the previous PRIMARY
 * ACTIVE (keeping its rollout state, so a COMPLETED one stays a rollback target), INACTIVE
 * ones dropped.
 */
export function startDeployment(
  deployments: readonly Deployment[],
  next: NewDeployment,
): Deployment[] {
  const primary: Deployment = {
    id: next.id,
    status: "PRIMARY",
    taskDefinitionRevision: next.taskDefinitionRevision,
    taskDefinitionKey: next.taskDefinitionKey,
    desiredCount: next.desiredCount,
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: next.rolloutStateReason ?? inProgressReason(next.id),
    failedTasks: 0,
    createdAt: next.now,
    updatedAt: next.now,
  };
  const older = deployments
    .filter((d) => d.status !== "INACTIVE")
    .map((d) =>
      d.status === "PRIMARY" ? { ...d, status: "ACTIVE" as const, updatedAt: next.now } : d,
    );
  return [primary, ...older];
}

/**
 * The deployments once the PRIMARY has completed (the rolling step's `complete`): it is
 * COMPLETED with ECS's reason, and every ACTIVE one INACTIVE, its tasks all gone.
 */
export function completeDeployment(deployments: readonly Deployment[], now: number): Deployment[] {
  return deployments.map((d) => {
    if (d.status === "PRIMARY") {
      return {
        ...d,
        rolloutState: "COMPLETED" as const,
        rolloutStateReason: completedReason(d.id),
        updatedAt: now,
      };
    }
    if (d.status === "ACTIVE") return { ...d, status: "INACTIVE" as const, updatedAt: now };
    return d;
  });
}

/**
 * What DescribeServices lists: INACTIVE deployments dropped, so a completed service shows one
 * deployment, as the `services-stable` waiter expects.
 */
export function listedDeployments(deployments: readonly Deployment[]): Deployment[] {
  return deployments.filter((d) => d.status !== "INACTIVE");
}

/** The PRIMARY deployment, if the list has one. */
export function primaryDeployment(deployments: readonly Deployment[]): Deployment | undefined {
  return deployments.find((d) => d.status === "PRIMARY");
}
