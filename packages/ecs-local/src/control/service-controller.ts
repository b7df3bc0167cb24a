import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Service, TaskDefinition } from "../model/types.js";
import { formatPlan, type Plan, reconcile } from "./reconcile.js";
import type { Registry } from "./registry.js";
import type { ServiceTask, TaskFactory } from "./task-state.js";

export interface ServiceControllerOptions {
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  readonly createTask: TaskFactory;
  readonly registry: Registry;
  /** The run's region, for the Cloud Map attributes ECS registers. */
  readonly region: string;
  readonly logger: Logger;
  /** Human-readable events (task started, registered, stopped…). */
  readonly onEvent: (line: string) => void;
  /** Each output line of the service's containers, already prefixed. */
  readonly onLog: (line: string) => void;
  /** Whether someone reads this service's logs live. */
  readonly logsFollowed: () => boolean;
  /** See `TaskInit.deactivate`. */
  readonly deactivate: (task: ServiceTask) => Promise<void>;
  /** Called after any task of the service changed state, so others can react at once. */
  readonly onTaskChange?: () => void;
  /** Called with each scheduler event as ECS words it. */
  readonly onServiceEvent?: (event: ServiceEvent) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * A failed task that had run at least this long starts a new streak of failures instead of
   * extending the last one, so a service that crashed once after an hour is replaced at once,
   * while one whose tasks die right after starting backs off. @default 10000
   */
  readonly stableMs?: number;
}

/** Stopped tasks kept for `ps`, as ECS shows recently stopped tasks. */
const STOPPED_TASKS_KEPT = 5;
const EVENTS_KEPT = 50;
/** ECS's console shows a service's latest 100 events. */
const SERVICE_EVENTS_KEPT = 100;

/**
 * Keeps one service at its desired count: runs the pure reconcile step on every tick and
 * applies the plan. Each service has its own controller; they share nothing but the registry.
 */
/** A service event in the words of the ECS scheduler (`describe-services` `events`). */
export interface ServiceEvent {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly message: string;
}

export class ServiceController {
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  desiredCount: number;
  readonly tasks = new Map<string, ServiceTask>();
  /** ecs-local's own narrative lines, for `up`'s output and `ps`. */
  readonly events: string[] = [];
  /** The scheduler's events as ECS words them, oldest first. */
  readonly serviceEvents: ServiceEvent[] = [];
  #steady = false;
  #consecutiveFailures = 0;
  #lastFailureAt?: number;
  #lastPlanText = "";
  readonly #options: ServiceControllerOptions;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(options: ServiceControllerOptions) {
    this.service = options.service;
    this.taskDefinition = options.taskDefinition;
    this.desiredCount = options.service.desiredCount;
    this.#options = options;
    this.#log = options.logger.child({ service: options.service.name });
    this.#now = options.now ?? Date.now;
  }

  /** Tasks not yet stopped, oldest first. */
  liveTasks(): ServiceTask[] {
    return [...this.tasks.values()].filter((t) => t.status !== "STOPPED");
  }

  /**
   * Steady as CloudFormation means it: the desired count running, passing container health
   * checks and, for a service behind a load balancer, healthy in its target groups.
   */
  steady(targetHealthy: (taskId: string) => boolean): boolean {
    const ready = this.liveTasks().filter((t) => t.ready && targetHealthy(t.id)).length;
    return ready >= this.desiredCount;
  }

  tick(dependenciesReady: boolean): Plan {
    const plan = reconcile(
      { service: this.service.name, desiredCount: this.desiredCount, dependenciesReady },
      {
        tasks: this.liveTasks(),
        consecutiveFailures: this.#consecutiveFailures,
        lastFailureAt: this.#lastFailureAt,
        now: this.#now(),
      },
    );
    const text = formatPlan(plan);
    if (text !== "" && text !== this.#lastPlanText) this.#log.debug({ plan: text }, "plan");
    this.#lastPlanText = text;
    const started: string[] = [];
    const stopped: string[] = [];
    for (const op of plan) {
      if (op.type === "StartTask") started.push(this.#startTask(op.cause));
      else if (op.type === "StopTask") {
        void this.tasks.get(op.taskId)?.stop(op.cause, op.failed);
        stopped.push(op.taskId);
      }
    }
    const name = this.service.name;
    const list = (ids: string[]) => ids.map((id) => `(task ${id})`).join(" ");
    if (stopped.length > 0) {
      this.#serviceEvent(
        `(service ${name}) has stopped ${stopped.length} running tasks: ${list(stopped)}.`,
      );
    }
    if (started.length > 0) {
      this.#serviceEvent(
        `(service ${name}) has started ${started.length} tasks: ${list(started)}.`,
      );
    }
    return plan;
  }

  /**
   * Told after each tick whether the service is steady; the change to steady is an event, as
   * ECS reports "has reached a steady state".
   */
  noteSteadiness(steady: boolean): void {
    if (steady && !this.#steady) {
      this.#serviceEvent(`(service ${this.service.name}) has reached a steady state.`);
    }
    this.#steady = steady;
  }

  #serviceEvent(message: string): void {
    this.serviceEvents.push({ at: this.#now(), message });
    if (this.serviceEvents.length > SERVICE_EVENTS_KEPT) this.serviceEvents.shift();
    this.#options.onServiceEvent?.({ at: this.#now(), message });
  }

  #startTask(cause: string): string {
    const id = randomBytes(16).toString("hex");
    const task = this.#options.createTask({
      id,
      service: this.service,
      taskDefinition: this.#options.taskDefinition,
      onChange: (t) => this.#onTaskChange(t),
      onLog: this.#options.onLog,
      logsFollowed: this.#options.logsFollowed,
      endpoints: () => this.#options.registry.endpoints(),
      deactivate: () => this.#options.deactivate(task),
    });
    this.tasks.set(id, task);
    this.#event(`started task ${id.slice(0, 8)} (${cause})`);
    void task.start();
    return id;
  }

  #onTaskChange(task: ServiceTask): void {
    const registry = this.#options.registry;
    if (task.ready) {
      this.#register(task);
    } else if (task.desiredStatus === "STOPPED" || task.status !== "RUNNING") {
      if (registry.deregisterTask(task.id) > 0) {
        this.#event(`deregistered task ${task.id.slice(0, 8)} from Cloud Map`);
      }
    }
    if (task.status === "STOPPED") {
      this.#event(`stopped task ${task.id.slice(0, 8)}: ${task.stoppedReason ?? "stopped"}`);
      if (task.failed) {
        const ranFor = task.startedAt === undefined ? 0 : this.#now() - task.startedAt;
        const stable = ranFor >= (this.#options.stableMs ?? 10_000);
        this.#consecutiveFailures = stable ? 1 : this.#consecutiveFailures + 1;
        this.#lastFailureAt = this.#now();
      }
      const stopped = [...this.tasks.values()].filter((t) => t.status === "STOPPED");
      for (const old of stopped.slice(0, Math.max(0, stopped.length - STOPPED_TASKS_KEPT)))
        this.tasks.delete(old.id);
    }
    this.#options.onTaskChange?.();
  }

  #register(task: ServiceTask): void {
    const connect = this.service.serviceConnect;
    const registry = this.#options.registry;
    // A client-only service (no `services`) reaches others but registers nothing itself.
    if (!connect || connect.services.length === 0) return;
    if (registry.instances().some((i) => i.instanceId === task.id)) return;
    const region = this.#options.region;
    for (const entry of connect.services) {
      const socketPath = task.sockets[entry.portName];
      if (!socketPath) continue;
      registry.register({
        discoveryName: entry.discoveryName,
        instanceId: task.id,
        socketPath,
        attributes: {
          AWS_INSTANCE_IPV4: "127.0.0.1",
          AWS_INSTANCE_PORT: String(entry.containerPort),
          ECS_CLUSTER_NAME: this.service.clusterName,
          ECS_SERVICE_NAME: this.service.name,
          ECS_TASK_DEFINITION_FAMILY: this.#options.taskDefinition.family,
          AVAILABILITY_ZONE: `${region}a`,
          REGION: region,
        },
      });
    }
    this.#event(`registered task ${task.id.slice(0, 8)} in Cloud Map`);
  }

  #event(message: string): void {
    const line = `${new Date(this.#now()).toISOString()} ${this.service.name}: ${message}`;
    this.events.push(line);
    if (this.events.length > EVENTS_KEPT) this.events.shift();
    this.#options.onEvent(line);
  }

  /**
   * Adds a scheduler event from outside the reconcile loop, such as the AWS API's answer to
   * a request it does not emulate.
   */
  recordEvent(message: string): void {
    this.#serviceEvent(message);
  }

  /** Stops every task, for shutdown. */
  async stopAll(reason: string): Promise<void> {
    this.desiredCount = 0;
    await Promise.all(this.liveTasks().map((t) => t.stop(reason)));
  }
}
