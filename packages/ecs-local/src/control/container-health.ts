import type { ContainerHealthCheck } from "../model/types.js";
import type { HealthStatus } from "./task-state.js";

/**
 * Docker/ECS container health semantics, as a pure fold over check results:
 * - failures inside the start period do not count, but a success there makes it HEALTHY;
 * - `retries` consecutive failures after that make it UNHEALTHY;
 * - any success resets the failure streak and makes it HEALTHY.
 */
export interface ContainerHealthState {
  readonly status: HealthStatus;
  readonly consecutiveFailures: number;
  readonly lastOutput?: string;
}

export const INITIAL_HEALTH: ContainerHealthState = { status: "UNKNOWN", consecutiveFailures: 0 };

export interface CheckResult {
  readonly ok: boolean;
  /** Milliseconds since the container started, in scaled time. */
  readonly sinceStartMs: number;
  readonly output?: string;
}

export function foldHealth(
  state: ContainerHealthState,
  result: CheckResult,
  check: Pick<ContainerHealthCheck, "retries" | "startPeriodMs">,
): ContainerHealthState {
  if (result.ok) return { status: "HEALTHY", consecutiveFailures: 0, lastOutput: result.output };
  if (result.sinceStartMs < check.startPeriodMs && state.status !== "HEALTHY") {
    return { ...state, lastOutput: result.output };
  }
  const consecutiveFailures = state.consecutiveFailures + 1;
  return {
    status: consecutiveFailures >= check.retries ? "UNHEALTHY" : state.status,
    consecutiveFailures,
    lastOutput: result.output,
  };
}
