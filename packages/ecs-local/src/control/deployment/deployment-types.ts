/**
 * A service deployment as ECS's DescribeServices shows it (§3.1 of the reference): its ID, its
 * status among the service's deployments, its rollout state and the reason ECS words for it.
 * Pure data and the pure functions that name it.
 */

/**
 * PRIMARY: the deployment the service is moving to. ACTIVE: an older one that still has tasks.
 * INACTIVE: replaced; DescribeServices drops it.
 */
export type DeploymentStatus = "PRIMARY" | "ACTIVE" | "INACTIVE";

/** COMPLETED at steady state; FAILED only by the circuit breaker. */
export type RolloutState = "IN_PROGRESS" | "COMPLETED" | "FAILED";

export interface Deployment {
  /** `ecs-svc/` and 19 digits; the service's tasks carry it as `startedBy`. */
  readonly id: string;
  readonly status: DeploymentStatus;
  /** The task definition's revision, for its ARN (`…:task-definition/<family>:<revision>`). */
  readonly taskDefinitionRevision: number;
  /** Opaque to deployments: whatever lets the controller find the task definition again. */
  readonly taskDefinitionKey: string;
  readonly desiredCount: number;
  readonly rolloutState: RolloutState;
  /** ECS's words for the rollout state: see the `*Reason` functions below. */
  readonly rolloutStateReason: string;
  /** Failed tasks in a row, as the circuit breaker counts them (`circuit-breaker.ts`). */
  readonly failedTasks: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

const NINETEEN_DIGITS = 1_000_000_000_000_000_000n;

/**
 * A deployment ID from a seed, e.g. `randomBytes(8).readBigUInt64BE()`: the same seed, the
 * same ID. Always 19 digits with no leading zero, as ECS's are.
 */
export function deploymentIdFromSeed(seed: bigint): string {
  const span = 9n * NINETEEN_DIGITS;
  const n = ((seed % span) + span) % span;
  return `ecs-svc/${n + NINETEEN_DIGITS}`;
}

/** `ECS deployment ecs-svc/… in progress.` [DOC BC-ECS `Deployment`] */
export function inProgressReason(deploymentId: string): string {
  return `ECS deployment ${deploymentId} in progress.`;
}

/**
 * `ECS deployment ecs-svc/… completed.` The reference marks this wording as inferred from the
 * documented "in progress." one (§5.3).
 */
export function completedReason(deploymentId: string): string {
  return `ECS deployment ${deploymentId} completed.`;
}

/**
 * The reason on a deployment the circuit breaker failed. The reference gives no wording; this
 * is the text observed on live services, the same whether tasks failed to start or failed
 * their health checks.
 */
export const CIRCUIT_BREAKER_FAILED_REASON =
  "ECS deployment circuit breaker: tasks failed to start.";

const ROLLBACK_REASON_PREFIX = "ECS deployment circuit breaker: rolling back to deploymentId ";

/**
 * The reason on the deployment a rollback creates (§3.2: "new deployment whose reason says
 * rollback"); wording as observed on live services, which end it with a full stop.
 */
export function rollbackReason(targetDeploymentId: string): string {
  return `${ROLLBACK_REASON_PREFIX}${targetDeploymentId}.`;
}

/** A deployment the circuit breaker started to roll back, while it is in progress. */
export function isRollingBack(deployment: Deployment): boolean {
  return (
    deployment.rolloutState === "IN_PROGRESS" &&
    deployment.rolloutStateReason.startsWith(ROLLBACK_REASON_PREFIX)
  );
}
