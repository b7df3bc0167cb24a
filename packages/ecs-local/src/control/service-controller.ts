import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Service, TaskDefinition } from "../model/types.js";
import { shownAddress } from "../sandbox/task-addresses.js";
import { steadyStateEvent } from "./deployment/deployment-events.js";
import type { Deployment } from "./deployment/deployment-types.js";
import { deploymentIdFromSeed } from "./deployment/deployment-types.js";
import { type RollingTask, rollingStep } from "./deployment/rolling-step.js";
import { type DeploymentEvents, ServiceDeployments } from "./deployment/service-deployments.js";
import {
  backoffUntil,
  DEFAULT_BACKOFF,
  formatPlan,
  type Operation,
  type Plan,
  reconcile,
  unhealthyStops,
} from "./reconcile.js";
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
  /**
   * Register a task in Cloud Map as soon as it is RUNNING, before its health check passes,
   * as AWS does (containers-roadmap#2334), so clients see the 503s AWS gives during
   * deployments. By default a task registers once it is ready. @default false
   */
  readonly faithfulRouting?: boolean;
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
  desiredCount: number;
  readonly tasks = new Map<string, ServiceTask>();
  /** ecs-local's own narrative lines, for `up`'s output and `ps`. */
  readonly events: string[] = [];
  /** The scheduler's events as ECS words them, oldest first. */
  readonly serviceEvents: ServiceEvent[] = [];
  readonly #deployments: ServiceDeployments;
  #steady = false;
  #consecutiveFailures = 0;
  #lastFailureAt?: number;
  #lastPlanText = "";
  readonly #options: ServiceControllerOptions;
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(options: ServiceControllerOptions) {
    this.service = options.service;
    this.desiredCount = options.service.desiredCount;
    this.#options = options;
    this.#log = options.logger.child({ service: options.service.name });
    this.#now = options.now ?? Date.now;
    this.#deployments = new ServiceDeployments({
      service: options.service.name,
      settings: options.service.deployment,
      taskDefinition: options.taskDefinition,
      desiredCount: this.desiredCount,
      now: this.#now,
      newDeploymentId: () => deploymentIdFromSeed(randomBytes(8).readBigUInt64BE()),
    });
  }

  /** The task definition new tasks run: the PRIMARY deployment's revision. */
  get taskDefinition(): TaskDefinition {
    return this.#deployments.primaryTaskDefinition;
  }

  /** The PRIMARY deployment's task definition revision. */
  get revision(): number {
    return this.#deployments.primary.taskDefinitionRevision;
  }

  /** Every revision of its task definition, revision 1 first. */
  taskDefinitionRevisions(): TaskDefinition[] {
    return Array.from({ length: this.#deployments.latestRevision }, (_, i) =>
      this.#deployments.taskDefinition(i + 1),
    );
  }

  /** The deployments ECS lists for the service: PRIMARY first, then ACTIVE ones. */
  deployments(): Deployment[] {
    return this.#deployments.listed();
  }

  /** The deployment a task was started for. */
  deploymentOf(taskId: string): string | undefined {
    return this.#deployments.deploymentOf(taskId);
  }

  /**
   * Starts a new deployment that replaces every task, within the service's minimum healthy
   * and maximum percent: of a new revision when given a task definition (a rebuilt image),
   * else of the current one (`forceNewDeployment`).
   */
  deploy(taskDefinition?: TaskDefinition): Deployment {
    return this.#deployed(this.#deployments.begin(this.desiredCount, taskDefinition));
  }

  /** Starts a new deployment of a revision the service has had (an older one, or the latest). */
  deployRevision(revision: number): Deployment {
    return this.#deployed(this.#deployments.beginRevision(this.desiredCount, revision));
  }

  #deployed(events: DeploymentEvents): Deployment {
    this.#serviceEvents(events);
    const revision = this.#deployments.primary.taskDefinitionRevision;
    this.#event(`new deployment ${this.#deployments.primary.id} (revision ${revision})`);
    this.#options.onTaskChange?.();
    return this.#deployments.primary;
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

  /**
   * One step: with every task in the PRIMARY deployment, `reconcile` keeps the desired count;
   * while older deployments still have tasks, the rolling step replaces them. `targetHealthy`
   * says whether a task passes its load balancer health checks (ECS counts a task healthy
   * only then).
   */
  tick(dependenciesReady: boolean, targetHealthy: (taskId: string) => boolean = () => true): Plan {
    const live = this.liveTasks();
    const primaryId = this.#deployments.primary.id;
    for (const task of live) {
      if (task.ready && targetHealthy(task.id)) this.#deployments.taskHealthy(task.id);
    }
    const rolling = live.some((t) => this.#deployments.deploymentOf(t.id) !== primaryId);
    const plan = rolling
      ? this.#rollingPlan(live, dependenciesReady, targetHealthy)
      : reconcile(
          {
            service: this.service.name,
            desiredCount: this.#primaryDesired(),
            dependenciesReady,
            maximumPercent: this.service.deployment.maximumPercent,
          },
          {
            // Healthy, for ECS, includes the load balancer's verdict (§3.1).
            tasks: live.map((t) => ({
              id: t.id,
              service: t.service,
              status: t.status,
              health: t.health,
              createdAt: t.createdAt,
              desiredStatus: t.desiredStatus,
              ready: t.ready && targetHealthy(t.id),
            })),
            consecutiveFailures: this.#consecutiveFailures,
            lastFailureAt: this.#lastFailureAt,
            now: this.#now(),
          },
        );
    if (!rolling && this.#deployments.inProgress && this.steady(targetHealthy)) {
      this.#serviceEvents(this.#deployments.complete());
    }
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

  /** A failed deployment with no rollback starts nothing more (ECS stops launching tasks). */
  #primaryDesired(): number {
    return this.#deployments.primaryFailed
      ? this.liveTasks().filter((t) => t.health !== "UNHEALTHY").length
      : this.desiredCount;
  }

  /** The rolling step as plan operations, after stopping tasks that fail their checks. */
  #rollingPlan(
    live: readonly ServiceTask[],
    dependenciesReady: boolean,
    targetHealthy: (taskId: string) => boolean,
  ): Operation[] {
    const service = this.service.name;
    const plan: Operation[] = unhealthyStops(service, live);
    const stopping = new Set(plan.map((op) => (op.type === "StopTask" ? op.taskId : "")));
    const remaining = live.filter((task) => !stopping.has(task.id));
    const byDeployment = new Map<string, RollingTask[]>();
    for (const task of remaining) {
      const id = this.#deployments.deploymentOf(task.id) ?? "";
      const tasks = byDeployment.get(id) ?? [];
      tasks.push({
        id: task.id,
        state: rollingState(task, targetHealthy),
        createdAt: task.createdAt,
      });
      byDeployment.set(id, tasks);
    }
    const primaryId = this.#deployments.primary.id;
    const step = rollingStep({
      service,
      settings: this.service.deployment,
      desiredCount: this.desiredCount,
      primary: { deploymentId: primaryId, tasks: byDeployment.get(primaryId) ?? [] },
      active: [...byDeployment]
        .filter(([id]) => id !== primaryId)
        .map(([deploymentId, tasks]) => ({ deploymentId, tasks })),
      primaryFailed: this.#deployments.primaryFailed,
    });
    for (const stop of step.stop) {
      plan.push({
        type: "StopTask",
        service,
        taskId: stop.taskId,
        cause: stop.reason,
        failed: false,
      });
    }
    const notBefore = backoffUntil(this.#consecutiveFailures, this.#lastFailureAt, DEFAULT_BACKOFF);
    if (step.start > 0 && dependenciesReady && notBefore <= this.#now()) {
      const cause = `deployment ${primaryId}: ${step.start} new task(s) within maximumPercent`;
      for (let i = 0; i < step.start; i++) plan.push({ type: "StartTask", service, cause });
    }
    if (step.blockedEvent) this.#serviceEvents(this.#deployments.blocked(step.blockedEvent));
    return plan;
  }

  #serviceEvents(messages: readonly string[]): void {
    for (const message of messages) this.#serviceEvent(message);
  }

  /**
   * Told after each tick whether the service is steady; the change to steady is an event, as
   * ECS reports "has reached a steady state".
   */
  noteSteadiness(steady: boolean): void {
    if (steady && !this.#steady) {
      this.#serviceEvent(steadyStateEvent(this.service.name));
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
      taskDefinition: this.taskDefinition,
      taskDefinitionRevision: this.#deployments.primary.taskDefinitionRevision,
      onChange: (t) => this.#onTaskChange(t),
      onLog: this.#options.onLog,
      logsFollowed: this.#options.logsFollowed,
      endpoints: () => this.#options.registry.endpoints(),
      deactivate: () => this.#options.deactivate(task),
    });
    this.tasks.set(id, task);
    this.#deployments.taskStarted(id);
    this.#event(`started task ${id.slice(0, 8)} (${cause})`);
    void task.start();
    return id;
  }

  #onTaskChange(task: ServiceTask): void {
    const registry = this.#options.registry;
    const routable = this.#options.faithfulRouting
      ? task.status === "RUNNING" && task.desiredStatus === "RUNNING"
      : task.ready;
    if (routable) {
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
        this.#serviceEvents(this.#deployments.taskFailed(task.id, this.desiredCount));
      }
      const stopped = [...this.tasks.values()].filter((t) => t.status === "STOPPED");
      for (const old of stopped.slice(0, Math.max(0, stopped.length - STOPPED_TASKS_KEPT))) {
        this.tasks.delete(old.id);
        this.#deployments.forget(old.id);
      }
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
        // One hop to the app on the run network when there is one; else its agent's socket.
        address: task.address ? `${task.address}:${entry.containerPort}` : socketPath,
        attributes: {
          AWS_INSTANCE_IPV4: shownAddress(task.address),
          AWS_INSTANCE_PORT: String(entry.containerPort),
          ECS_CLUSTER_NAME: this.service.clusterName,
          ECS_SERVICE_NAME: this.service.name,
          ECS_TASK_DEFINITION_FAMILY: this.taskDefinition.family,
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

/** Where a task stands for the rolling step. */
function rollingState(
  task: ServiceTask,
  targetHealthy: (taskId: string) => boolean,
): RollingTask["state"] {
  if (task.desiredStatus === "STOPPED" || task.status !== "RUNNING") {
    return task.desiredStatus === "STOPPED" ? "stopping" : "pending";
  }
  return task.ready && targetHealthy(task.id) ? "healthy" : "running";
}
