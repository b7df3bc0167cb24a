import type { ExecContainer } from "../api/control-plane-view.js";
import type { Service, TaskDefinition } from "../model/types.js";
import type { EndpointMap } from "./registry.js";

/**
 * What the control plane knows about one task. Lifecycle names follow ECS's `lastStatus`:
 * PROVISIONING (sandbox) → PENDING (build, Service Connect agent, containers starting) → RUNNING →
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
  /**
   * Whether it counts as healthy: RUNNING and, with a health check, HEALTHY. Without it,
   * RUNNING and not UNHEALTHY.
   */
  readonly ready?: boolean;
}

/** Tasks that count towards a service's running count: not on their way out. */
export function isActive(task: TaskView): boolean {
  return task.desiredStatus === "RUNNING" && task.status !== "STOPPED";
}

/** What a task uses right now: all its containers and its Service Connect agent together. */
export interface TaskUsage {
  /** Memory in use, in bytes, as the ECS agent counts it (page cache excluded). */
  readonly memoryBytes: number;
  /** CPU time used since the task started, in nanoseconds (a counter; rates come from deltas). */
  readonly cpuNanos: number;
}

/**
 * One task as its service controller and the control plane use it. `TaskRunner` is the real
 * one (namespaces, Service Connect agent, containers); tests of the control logic use an in-memory one.
 */
export interface ServiceTask extends TaskView {
  readonly startedAt?: number;
  readonly stoppedReason?: string;
  /** True when the task stopped on its own (exit, failed health) rather than by request. */
  readonly failed: boolean;
  readonly exitCodes: Readonly<Record<string, number | null>>;
  /** Ingress socket per port-mapping name: what the ALB connects to. */
  readonly sockets: Readonly<Record<string, string>>;
  /**
   * The task's IPv4 address on the run network (its `eth0`), once it has one; undefined when
   * the run has no network, and then Service Connect reaches it through its ingress sockets.
   */
  readonly address?: string | undefined;
  /** Whether it may receive traffic: RUNNING, and HEALTHY when it has a health check. */
  readonly ready: boolean;
  /** The revision of its family the task runs. */
  readonly taskDefinitionRevision: number;
  /** The process whose namespaces `ecs-local exec` enters, once the sandbox exists. */
  readonly holderPid: number | undefined;
  /**
   * The container `ecs-local exec` takes its environment and working folder from, as
   * `docker exec` does: the named one, else the first essential one; undefined while it is
   * not running. A name the task definition lacks is a UsageError.
   */
  execContainer(name?: string): ExecContainer | undefined;
  /** The ingress socket of the port mapping on `containerPort`, if the task has one. */
  socketForPort(containerPort: number): string | undefined;
  /** Its resource usage now, or undefined while it is not RUNNING. */
  usage(): TaskUsage | undefined;
  /**
   * Makes the task's Service Connect agent route to these endpoints (Cloud Map now); resolves
   * once the agent has them.
   */
  syncEndpoints(endpoints: EndpointMap): Promise<void>;
  /** Runs the task to RUNNING; a failure stops it with a reason, it never rejects. */
  start(): Promise<void>;
  /** Stops it in ECS's order. Single-flight; resolves once STOPPED. */
  stop(reason: string, failed?: boolean): Promise<void>;
}

/** What a service controller hands the task factory for each new task. */
export interface TaskInit {
  readonly id: string;
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  /** Which revision of its family `taskDefinition` is (1 is the template's). */
  readonly taskDefinitionRevision: number;
  /** Called whenever status or health changes, so the service can react at once. */
  readonly onChange: (task: ServiceTask) => void;
  /** Called with each output line of a container, already prefixed. */
  readonly onLog: (line: string) => void;
  /** Whether someone reads this service's logs live (else only the recent lines matter). */
  readonly logsFollowed: () => boolean;
  /** Cloud Map's endpoints now: what the task's agent starts with. */
  readonly endpoints: () => EndpointMap;
  /**
   * Called as the task starts to stop, once it is out of Cloud Map and its target groups:
   * resolves when no new traffic can reach it (every agent has the new endpoints) and its
   * load-balancer targets have drained (nothing in flight, or the deregistration delay
   * passed).
   */
  readonly deactivate: () => Promise<void>;
}

/** Makes tasks; injected so the control logic can be tested without namespaces. */
export type TaskFactory = (init: TaskInit) => ServiceTask;
