import { maximumTasks } from "./deployment/rolling-step.js";
import { isActive, type TaskView } from "./task-state.js";

/**
 * One service's reconcile step: desired state and observed tasks in, a plan out. Pure and
 * deterministic so plans can be checked as text; the executor applies them.
 */
export interface ServiceDesired {
  readonly service: string;
  readonly desiredCount: number;
  /**
   * False until every service this one `DependsOn` is steady: CloudFormation creates a
   * dependent service only after its dependencies have stabilised, so tasks wait for that.
   */
  readonly dependenciesReady: boolean;
  /**
   * How many tasks may run at once, as a percentage of the desired count: a task failing its
   * health checks is replaced before it is stopped when this leaves room. @default 200
   */
  readonly maximumPercent?: number;
}

export interface ServiceObserved {
  readonly tasks: readonly TaskView[];
  /** Tasks of this service that stopped on their own (crash, failed health) in a row. */
  readonly consecutiveFailures: number;
  readonly lastFailureAt?: number;
  readonly now: number;
}

export interface BackoffPolicy {
  /** Delay after the first failure; doubles per further failure up to `maxMs`. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Failures tolerated before backing off at all (ECS restarts the first ones at once). */
  readonly freeRetries: number;
}

export type Operation =
  | { readonly type: "StartTask"; readonly service: string; readonly cause: string }
  | {
      readonly type: "StopTask";
      readonly service: string;
      readonly taskId: string;
      readonly cause: string;
      /** The task failed (as opposed to being scaled in); failures feed the backoff. */
      readonly failed: boolean;
    }
  | {
      readonly type: "Wait";
      readonly service: string;
      readonly untilMs: number;
      readonly cause: string;
    };

export type Plan = readonly Operation[];

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, freeRetries: 1 };

/** The earliest time a replacement may start after `failures` failures in a row. */
export function backoffUntil(
  failures: number,
  lastFailureAt: number | undefined,
  policy: BackoffPolicy,
): number {
  if (failures <= policy.freeRetries || lastFailureAt === undefined) return 0;
  const exponent = failures - policy.freeRetries - 1;
  return lastFailureAt + Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

export function reconcile(
  desired: ServiceDesired,
  observed: ServiceObserved,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): Plan {
  const { service } = desired;
  const plan: Operation[] = [];
  const active = observed.tasks.filter(isActive);

  const unhealthy = active.filter((t) => t.health === "UNHEALTHY");
  const healthyEnough = active.filter((t) => t.health !== "UNHEALTHY");

  if (healthyEnough.length > desired.desiredCount) {
    plan.push(...unhealthyStops(service, unhealthy));
    // Scale in the newest tasks first: the oldest have proven themselves.
    const newestFirst = [...healthyEnough].sort(
      (a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id),
    );
    for (const task of newestFirst.slice(0, healthyEnough.length - desired.desiredCount)) {
      plan.push({
        type: "StopTask",
        service,
        taskId: task.id,
        cause: `scale in: ${healthyEnough.length} running, desired ${desired.desiredCount}`,
        failed: false,
      });
    }
    return plan;
  }

  // A task failing its health checks keeps serving until a replacement is healthy, when
  // maximumPercent leaves room to start one first (ECS since 2023); without room, the
  // unhealthy tasks stop one at a time.
  const maximum = Math.max(
    desired.desiredCount,
    maximumTasks(desired.desiredCount, desired.maximumPercent ?? 200),
  );
  const ready = healthyEnough.filter(isReady).length;
  const room = maximum - active.length;
  if (unhealthy.length > 0) {
    if (ready >= desired.desiredCount) plan.push(...unhealthyStops(service, unhealthy));
    else if (room <= 0 && healthyEnough.length < desired.desiredCount) {
      // No replacement can start and none is on its way: make room, one task at a time.
      plan.push(...unhealthyStops(service, oldestFirst(unhealthy).slice(0, 1)));
    }
  }
  // Starts fit under the maximum as observed now: a stop frees its room once the task is gone.
  const missing = Math.min(desired.desiredCount - healthyEnough.length, Math.max(0, room));
  if (missing <= 0) return plan;
  if (!desired.dependenciesReady) {
    plan.push({
      type: "Wait",
      service,
      untilMs: 0,
      cause: "waiting for the services it depends on to become steady",
    });
    return plan;
  }
  const notBefore = backoffUntil(observed.consecutiveFailures, observed.lastFailureAt, policy);
  if (notBefore > observed.now) {
    plan.push({
      type: "Wait",
      service,
      untilMs: notBefore,
      cause: `${observed.consecutiveFailures} tasks failed in a row; backing off`,
    });
    return plan;
  }
  const cause =
    active.length === 0 && observed.consecutiveFailures === 0
      ? `desired ${desired.desiredCount}, none running`
      : `${healthyEnough.length} of ${desired.desiredCount} running`;
  for (let i = 0; i < missing; i++) plan.push({ type: "StartTask", service, cause });
  return plan;
}

/**
 * ECS stops a task whose essential container reports UNHEALTHY (and starts a replacement):
 * the stops for the active ones among `tasks`.
 */
export function unhealthyStops(service: string, tasks: readonly TaskView[]): Operation[] {
  return tasks
    .filter((t) => isActive(t) && t.health === "UNHEALTHY")
    .map((task) => ({
      type: "StopTask",
      service,
      taskId: task.id,
      cause: "task failed container health checks",
      failed: true,
    }));
}

/** Counted healthy: RUNNING and, when it has a health check, HEALTHY. */
function isReady(task: TaskView): boolean {
  if (task.ready !== undefined) return task.ready;
  return task.status === "RUNNING" && task.health !== "UNHEALTHY";
}

function oldestFirst(tasks: readonly TaskView[]): TaskView[] {
  return [...tasks].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

/** One line per operation, for logs and golden tests. */
export function formatPlan(plan: Plan): string {
  return plan.map(formatOperation).join("\n");
}

function formatOperation(op: Operation): string {
  if (op.type === "StartTask") return `StartTask ${op.service}: ${op.cause}`;
  if (op.type === "StopTask") return `StopTask ${op.service}/${op.taskId}: ${op.cause}`;
  return `Wait ${op.service}${op.untilMs ? ` until ${op.untilMs}` : ""}: ${op.cause}`;
}
