import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { Service, TaskDefinition } from "../model/types.js";
import { formatPlan, type Plan, reconcile } from "./reconcile.js";
import type { Registry } from "./registry.js";
import { type TaskContext, TaskRunner } from "./task-runner.js";

/**
 * Keeps one service at its desired count: runs the pure reconcile step on every tick and
 * applies the plan. Each service has its own controller; they share nothing but the registry.
 */
export class ServiceController {
  readonly service: Service;
  desiredCount: number;
  readonly tasks = new Map<string, TaskRunner>();
  readonly events: string[] = [];
  #consecutiveFailures = 0;
  #lastFailureAt?: number;
  #lastPlanText = "";
  readonly #taskDefinition: TaskDefinition;
  readonly #context: Omit<TaskContext, "onChange">;
  readonly #registry: Registry;
  readonly #log: Logger;
  readonly #onEvent: (line: string) => void;

  constructor(options: {
    service: Service;
    taskDefinition: TaskDefinition;
    context: Omit<TaskContext, "onChange">;
    registry: Registry;
    logger: Logger;
    onEvent: (line: string) => void;
  }) {
    this.service = options.service;
    this.desiredCount = options.service.desiredCount;
    this.#taskDefinition = options.taskDefinition;
    this.#context = options.context;
    this.#registry = options.registry;
    this.#log = options.logger.child({ service: options.service.name });
    this.#onEvent = options.onEvent;
  }

  /** Tasks not yet stopped, oldest first. */
  liveTasks(): TaskRunner[] {
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
        now: Date.now(),
      },
    );
    const text = formatPlan(plan);
    if (text !== "" && text !== this.#lastPlanText) this.#log.debug({ plan: text }, "plan");
    this.#lastPlanText = text;
    for (const op of plan) {
      if (op.type === "StartTask") this.#startTask(op.cause);
      else if (op.type === "StopTask") void this.tasks.get(op.taskId)?.stop(op.cause, op.failed);
    }
    return plan;
  }

  #startTask(cause: string): void {
    const id = randomBytes(16).toString("hex");
    const task = new TaskRunner(id, this.service, this.#taskDefinition, {
      ...this.#context,
      onChange: (t) => this.#onTaskChange(t),
    });
    this.tasks.set(id, task);
    this.#event(`started task ${id.slice(0, 8)} (${cause})`);
    void task.start();
  }

  #onTaskChange(task: TaskRunner): void {
    if (task.ready) {
      this.#register(task);
      if (this.#consecutiveFailures > 0) this.#consecutiveFailures = 0;
    } else if (task.desiredStatus === "STOPPED" || task.status !== "RUNNING") {
      if (this.#registry.deregisterTask(task.id) > 0) {
        this.#event(`deregistered task ${task.id.slice(0, 8)} from Cloud Map`);
      }
    }
    if (task.status === "STOPPED") {
      this.#event(`stopped task ${task.id.slice(0, 8)}: ${task.stoppedReason ?? "stopped"}`);
      if (task.failed) {
        this.#consecutiveFailures++;
        this.#lastFailureAt = Date.now();
      }
      // Keep a few stopped tasks for `ps`, as ECS shows recently stopped tasks.
      const stopped = [...this.tasks.values()].filter((t) => t.status === "STOPPED");
      for (const old of stopped.slice(0, Math.max(0, stopped.length - 5)))
        this.tasks.delete(old.id);
    }
  }

  #register(task: TaskRunner): void {
    const connect = this.service.serviceConnect;
    // A client-only service (no `services`) reaches others but registers nothing itself.
    if (!connect || connect.services.length === 0) return;
    const already = this.#registry.instances().some((i) => i.instanceId === task.id);
    if (already) return;
    for (const entry of connect.services) {
      const socketPath = task.sockets[entry.portName];
      if (!socketPath) continue;
      this.#registry.register({
        discoveryName: entry.discoveryName,
        instanceId: task.id,
        socketPath,
        attributes: {
          AWS_INSTANCE_IPV4: "127.0.0.1",
          AWS_INSTANCE_PORT: String(entry.containerPort),
          ECS_CLUSTER_NAME: this.service.clusterName,
          ECS_SERVICE_NAME: this.service.name,
          ECS_TASK_DEFINITION_FAMILY: this.#taskDefinition.family,
          AVAILABILITY_ZONE: `${this.#context.region}a`,
          REGION: this.#context.region,
        },
      });
    }
    this.#event(`registered task ${task.id.slice(0, 8)} in Cloud Map`);
  }

  #event(message: string): void {
    const line = `${new Date().toISOString()} ${this.service.name}: ${message}`;
    this.events.push(line);
    if (this.events.length > 50) this.events.shift();
    this.#onEvent(line);
  }

  /** Stops every task, for shutdown. */
  async stopAll(reason: string): Promise<void> {
    this.desiredCount = 0;
    await Promise.all(this.liveTasks().map((t) => t.stop(reason)));
  }
}
