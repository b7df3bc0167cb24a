/**
 * What the control plane knows about one task. Lifecycle names follow ECS's `lastStatus`:
 * PROVISIONING (sandbox) → PENDING (build, sidecar, containers starting) → RUNNING →
 * DEACTIVATING (deregistered, draining) → STOPPING → STOPPED.
 */
export type TaskStatus =
  | "PROVISIONING"
  | "PENDING"
  | "RUNNING"
  | "DEACTIVATING"
  | "STOPPING"
  | "STOPPED";

/** Container health as ECS reports it: UNKNOWN until the first verdict (or with no check). */
export type HealthStatus = "UNKNOWN" | "HEALTHY" | "UNHEALTHY";

export interface TaskView {
  readonly id: string;
  readonly service: string;
  readonly status: TaskStatus;
  readonly health: HealthStatus;
  /** Milliseconds since the epoch at which the task was asked to start. */
  readonly createdAt: number;
  /** Set once the control plane has decided to stop the task. */
  readonly desiredStatus: "RUNNING" | "STOPPED";
}

/** Tasks that count towards a service's running count: not on their way out. */
export function isActive(task: TaskView): boolean {
  return task.desiredStatus === "RUNNING" && task.status !== "STOPPED";
}
