/**
 * The deployment circuit breaker (§3.2 of the reference): its threshold, the count of failed
 * tasks folded over the PRIMARY deployment's task events, and what happens when it trips:
 * the deployment FAILED and, with rollback on, the deployment to roll back to. Pure.
 */
import {
  CIRCUIT_BREAKER_FAILED_REASON,
  type Deployment,
  isRollingBack,
  rollbackReason,
} from "./deployment-types.js";

/**
 * Failed tasks that trip the breaker: `clamp(ceil(0.5 × desired), 3, 200)`, the classic
 * BOUNDED_PERCENT rule with its default value 50. The minimum is 3 as the current API reference
 * says, not the 10 of the 2023 developer guide (§3.2 "MIN conflict").
 */
export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desiredCount)));
}

/** What happened to one task of the PRIMARY deployment, as the breaker sees it. */
export type BreakerEvent =
  /** Stage 1: it stopped before reaching RUNNING (image, secrets, a container exiting early). */
  | { readonly type: "FailedToStart"; readonly taskId: string }
  /** Stage 2: it was RUNNING and failed its ELB, Cloud Map or container health checks. */
  | { readonly type: "FailedHealthChecks"; readonly taskId: string }
  /** It became healthy (counted toward minimum healthy). */
  | { readonly type: "BecameHealthy"; readonly taskId: string };

export interface BreakerOptions {
  /** `deploymentCircuitBreaker.enable`: off, failures are still counted but never trip. */
  readonly enable: boolean;
  /** The service's latest desired count, which the threshold is a percentage of. */
  readonly desiredCount: number;
  /**
   * A task becoming healthy resets the count to 0; false: the count only grows for the life
   * of the deployment. @default true
   */
  readonly resetOnHealthyTask?: boolean;
}

export interface BreakerState {
  /** `Deployment.failedTasks`: failures since the last healthy task. */
  readonly failedTasks: number;
  /** Sticky: a FAILED deployment stays failed whatever its tasks do next. */
  readonly tripped: boolean;
}

export const INITIAL_BREAKER_STATE: BreakerState = { failedTasks: 0, tripped: false };

/**
 * The breaker after one event. Both kinds of failure count in either stage: §3.2 says which
 * failures each stage watches, not that stage 2 forgives a task that never starts (a choice;
 * the reference is silent on it).
 */
export function breakerStep(
  state: BreakerState,
  event: BreakerEvent,
  options: BreakerOptions,
): BreakerState {
  if (state.tripped) return state;
  if (event.type === "BecameHealthy") {
    return (options.resetOnHealthyTask ?? true) ? { failedTasks: 0, tripped: false } : state;
  }
  const failedTasks = state.failedTasks + 1;
  const tripped = options.enable && failedTasks >= circuitBreakerThreshold(options.desiredCount);
  return { failedTasks, tripped };
}

/** The breaker after a run of events, oldest first. */
export function foldBreaker(
  events: readonly BreakerEvent[],
  options: BreakerOptions,
  initial: BreakerState = INITIAL_BREAKER_STATE,
): BreakerState {
  return events.reduce((state, event) => breakerStep(state, event, options), initial);
}

/** Where a rollback goes: a new PRIMARY deployment with the target's task definition. */
export interface RollbackPlan {
  /** The last COMPLETED deployment, which the new deployment's reason names. */
  readonly toDeploymentId: string;
  readonly taskDefinitionKey: string;
  readonly taskDefinitionRevision: number;
  /** For the new deployment (`startDeployment`'s `rolloutStateReason`). */
  readonly rolloutStateReason: string;
}

export interface BreakerOutcome {
  /** The service's deployments with the PRIMARY FAILED and its failure count recorded. */
  readonly deployments: readonly Deployment[];
  /** The deployment that failed, as it now is. */
  readonly failed: Deployment;
  /** Absent with rollback off, or with no COMPLETED deployment to go back to. */
  readonly rollback?: RollbackPlan;
}

/**
 * The deployment to roll back to from `primary`: the most recent COMPLETED one. None when
 * `primary` is itself a rollback: going back again would start the same task definition that
 * just failed, round and round, so it stays FAILED (a choice; the reference is silent).
 */
export function rollbackTarget(
  deployments: readonly Deployment[],
  primary: Deployment,
): Deployment | undefined {
  if (isRollingBack(primary)) return undefined;
  return deployments
    .filter((d) => d.id !== primary.id && d.rolloutState === "COMPLETED")
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

/**
 * What a tripped breaker does (§3.2): the PRIMARY becomes FAILED with ECS's reason and, with
 * `rollback` on and somewhere to go, a plan for the rollback deployment. The caller then
 * launches no new task for the failed deployment, or starts the rollback with
 * `startDeployment`, which makes the failed one ACTIVE so its tasks are replaced.
 */
export function tripBreaker(
  deployments: readonly Deployment[],
  options: { readonly rollback: boolean; readonly failedTasks: number; readonly now: number },
): BreakerOutcome | undefined {
  const primary = deployments.find((d) => d.status === "PRIMARY");
  if (!primary) return undefined;
  const failed: Deployment = {
    ...primary,
    rolloutState: "FAILED",
    rolloutStateReason: CIRCUIT_BREAKER_FAILED_REASON,
    failedTasks: options.failedTasks,
    updatedAt: options.now,
  };
  const updated = deployments.map((d) => (d.id === failed.id ? failed : d));
  const target = options.rollback ? rollbackTarget(deployments, primary) : undefined;
  if (!target) return { deployments: updated, failed };
  return {
    deployments: updated,
    failed,
    rollback: {
      toDeploymentId: target.id,
      taskDefinitionKey: target.taskDefinitionKey,
      taskDefinitionRevision: target.taskDefinitionRevision,
      rolloutStateReason: rollbackReason(target.id),
    },
  };
}
