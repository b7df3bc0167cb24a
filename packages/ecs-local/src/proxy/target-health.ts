import type { TargetGroupHealthCheck } from "../model/types.js";

/**
 * ALB target health as a pure fold. A newly registered target is `initial` and becomes
 * `healthy` after one passing check (as the ALB documents); an unhealthy target needs
 * `healthyThreshold` passes in a row; `unhealthyThreshold` failures make any target
 * `unhealthy`. A deregistered target is `draining` until its delay ends.
 */
export type TargetHealthStatus = "initial" | "healthy" | "unhealthy" | "draining";

export interface TargetHealthState {
  readonly status: TargetHealthStatus;
  readonly passes: number;
  readonly failures: number;
  readonly reason?: string;
}

export const INITIAL_TARGET: TargetHealthState = { status: "initial", passes: 0, failures: 0 };

export function foldTargetHealth(
  state: TargetHealthState,
  result: { readonly ok: boolean; readonly reason?: string },
  check: Pick<TargetGroupHealthCheck, "healthyThreshold" | "unhealthyThreshold">,
): TargetHealthState {
  if (state.status === "draining") return state;
  if (result.ok) {
    const passes = state.passes + 1;
    const enough = state.status === "initial" || passes >= check.healthyThreshold;
    return { status: enough ? "healthy" : state.status, passes, failures: 0 };
  }
  const failures = state.failures + 1;
  const status = failures >= check.unhealthyThreshold ? "unhealthy" : state.status;
  return { status, passes: 0, failures, reason: result.reason };
}

/**
 * Which targets get traffic: the healthy ones; when none is healthy but some are unhealthy,
 * those — the ALB "fails open" rather than dropping every request. Targets still in their
 * first check (`initial`) and draining ones get none.
 */
export function routableTargets<T extends { readonly health: TargetHealthState }>(
  targets: readonly T[],
): readonly T[] {
  const healthy = targets.filter((t) => t.health.status === "healthy");
  return healthy.length > 0 ? healthy : targets.filter((t) => t.health.status === "unhealthy");
}

/** Does an HTTP status satisfy an ALB matcher such as `200`, `200-299` or `200,302`? */
export function matchesHttpCode(matcher: string, status: number): boolean {
  return matcher.split(",").some((part) => {
    const [low, high] = part.trim().split("-").map(Number);
    if (low === undefined || Number.isNaN(low)) return false;
    return high === undefined ? status === low : status >= low && status <= high;
  });
}
