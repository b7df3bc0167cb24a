/**
 * One reconcile step of a rolling (`ECS` controller) deployment, bounded by
 * minimumHealthyPercent and maximumPercent (§3.1 of the reference): how many PRIMARY tasks to
 * start, which older tasks to stop, whether the deployment is complete, and ECS's event when
 * the percentages allow neither. Pure: the tasks of each deployment in, a decision out.
 */
import type { DeploymentSettings } from "../../model/types.js";
import { deploymentConfigurationBlocksEvent, deploymentStopReason } from "./deployment-events.js";

/**
 * Where a task stands for the deployment arithmetic.
 * - `pending`: asked to start, not RUNNING yet (PROVISIONING, PENDING, ACTIVATING).
 * - `running`: RUNNING but not yet counted healthy (health check, target group or the 40 s of
 *   §3.1 still to pass), or failing its checks.
 * - `healthy`: RUNNING and counted toward minimum healthy.
 * - `stopping`: on its way out (DEACTIVATING, STOPPING, DEPROVISIONING).
 */
export type RollingTaskState = "pending" | "running" | "healthy" | "stopping";

export interface RollingTask {
  readonly id: string;
  readonly state: RollingTaskState;
  /** Milliseconds since the epoch at which the task was asked to start. */
  readonly createdAt: number;
}

export interface DeploymentTasks {
  readonly deploymentId: string;
  /** Every task of the deployment not yet STOPPED. */
  readonly tasks: readonly RollingTask[];
}

export interface RollingStepInput {
  /** The service's name, for the event. */
  readonly service: string;
  readonly settings: Pick<DeploymentSettings, "minimumHealthyPercent" | "maximumPercent">;
  readonly desiredCount: number;
  readonly primary: DeploymentTasks;
  /** The ACTIVE deployments: every one of their tasks is to be replaced. */
  readonly active: readonly DeploymentTasks[];
  /**
   * True once the circuit breaker failed the PRIMARY without a rollback: ECS launches no new
   * tasks for it (§3.2), and this step stops nothing either, so the old tasks keep serving.
   * @default false
   */
  readonly primaryFailed?: boolean;
}

export interface TaskStop {
  readonly taskId: string;
  readonly deploymentId: string;
  /** ECS's `stoppedReason`, naming the task's own deployment, whose count is scaled down. */
  readonly reason: string;
}

export interface RollingStep {
  /** ceil(desired × minimumHealthyPercent / 100). */
  readonly minimumHealthy: number;
  /** floor(desired × maximumPercent / 100). */
  readonly maximum: number;
  /** New tasks to start in the PRIMARY deployment. */
  readonly start: number;
  /** Tasks to stop now, in this order. */
  readonly stop: readonly TaskStop[];
  /**
   * The PRIMARY has the desired count, all healthy, and no older deployment has a task left,
   * stopping ones included: the caller completes it (`completeDeployment`).
   */
  readonly complete: boolean;
  /** Set when nothing can be started or stopped and nothing in flight will change that. */
  readonly blockedEvent?: string;
}

/** The bounds a deployment keeps to, rounded as ECS rounds them (§3.1). */
/** How many tasks may run at once: `maximumPercent` of the desired count, rounded down. */
export function maximumTasks(desiredCount: number, maximumPercent: number): number {
  return Math.floor((desiredCount * maximumPercent) / 100);
}

export function deploymentBounds(
  desiredCount: number,
  settings: Pick<DeploymentSettings, "minimumHealthyPercent" | "maximumPercent">,
): { readonly minimumHealthy: number; readonly maximum: number } {
  return {
    minimumHealthy: Math.ceil((desiredCount * settings.minimumHealthyPercent) / 100),
    maximum: maximumTasks(desiredCount, settings.maximumPercent),
  };
}

const isHealthy = (t: RollingTask): boolean => t.state === "healthy";
const byAge = (a: RollingTask, b: RollingTask): number =>
  a.createdAt - b.createdAt || a.id.localeCompare(b.id);

/**
 * The step: start as many PRIMARY tasks as the maximum allows, stop as many old tasks as the
 * minimum allows. Idempotent over the same observation, so the caller runs it on every tick
 * and on every task change; once complete it keeps the PRIMARY at its desired count.
 */
export function rollingStep(input: RollingStepInput): RollingStep {
  const { minimumHealthy, maximum } = deploymentBounds(input.desiredCount, input.settings);
  const desired = input.desiredCount;
  const idle = { minimumHealthy, maximum, start: 0, stop: [], complete: false };
  if (input.primaryFailed) return idle;

  // Stopping tasks count neither toward the maximum nor as healthy: §3.1 bounds RUNNING and
  // PENDING tasks, and a task in DEACTIVATING or STOPPING is neither. So replacements start
  // while old tasks still drain (a 300 s deregistration delay does not hold the rollout up),
  // though the deployment completes only once those tasks are STOPPED.
  const primary = input.primary.tasks.filter((t) => t.state !== "stopping");
  const old = input.active.flatMap((d) =>
    d.tasks.filter((t) => t.state !== "stopping").map((task) => ({ task, deployment: d })),
  );
  const oldRemaining = input.active.some((d) => d.tasks.length > 0);
  const live = primary.length + old.length;
  let healthy = primary.filter(isHealthy).length + old.filter((o) => isHealthy(o.task)).length;

  const stop: TaskStop[] = [];
  const stopTask = (task: RollingTask, deploymentId: string) => {
    stop.push({ taskId: task.id, deploymentId, reason: deploymentStopReason(deploymentId) });
    if (isHealthy(task)) healthy -= 1;
  };

  // More PRIMARY tasks than desired (the desired count went down mid-deployment): a scale-in,
  // not bounded by minimum healthy. Tasks not yet healthy go first, then the newest, as
  // `reconcile` scales in.
  const excess = Math.max(0, primary.length - desired);
  const scaleInOrder = [...primary].sort(
    (a, b) => Number(isHealthy(a)) - Number(isHealthy(b)) || byAge(b, a),
  );
  for (const task of scaleInOrder.slice(0, excess)) stopTask(task, input.primary.deploymentId);

  // Old tasks not counted healthy protect nothing: they go at once. Healthy ones go oldest
  // first while the healthy count stays at or above the minimum.
  const oldInOrder = [...old].sort(
    (a, b) => Number(isHealthy(a.task)) - Number(isHealthy(b.task)) || byAge(a.task, b.task),
  );
  for (const { task, deployment } of oldInOrder) {
    if (isHealthy(task) && healthy - 1 < minimumHealthy) break;
    stopTask(task, deployment.deploymentId);
  }

  // Starts are bounded by the tasks observed now: the stops above free room only once their
  // tasks leave RUNNING, which the next step sees. So with no headroom ECS's order holds:
  // stop first, then start.
  const start = Math.max(0, Math.min(desired - primary.length, maximum - live));

  const primaryHealthy = primary.filter(isHealthy).length;
  const complete = !oldRemaining && primary.length === desired && primaryHealthy === desired;
  if (complete || start > 0 || stop.length > 0) {
    return { minimumHealthy, maximum, start, stop, complete };
  }
  // Waiting is progress when something is in flight: a task becoming healthy frees a stop,
  // a task reaching STOPPED frees room or completes the deployment.
  const inFlight = [...input.primary.tasks, ...input.active.flatMap((d) => d.tasks)].some(
    (t) => !isHealthy(t),
  );
  if (inFlight) return idle;
  return { ...idle, blockedEvent: deploymentConfigurationBlocksEvent(input.service) };
}

/** One line per decision, for logs and golden tests. */
export function formatRollingStep(step: RollingStep): string {
  const lines = [`bounds: minimum healthy ${step.minimumHealthy}, maximum ${step.maximum}`];
  if (step.start > 0) lines.push(`start ${step.start}`);
  for (const s of step.stop) lines.push(`stop ${s.taskId}: ${s.reason}`);
  if (step.complete) lines.push("complete");
  if (step.blockedEvent) lines.push(`blocked: ${step.blockedEvent}`);
  return lines.join("\n");
}
