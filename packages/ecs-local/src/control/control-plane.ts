import type { Logger } from "pino";
import type {
  ControlPlaneView,
  ExecTarget,
  RunEvent,
  RunStatus,
  ServiceStatus,
  TaskUsageView,
  TimelineView,
  TrafficView,
} from "../api/control-plane-view.js";
import { UsageError } from "../errors.js";
import type { Model, Service, TaskDefinition } from "../model/types.js";
import { hostPortFor } from "../proxy/listener-rules.js";
import {
  LoadBalancerListener,
  type TargetRegistration,
  type TargetSource,
} from "../proxy/load-balancer.js";
import { resourceAccounting } from "../sandbox/task-resources.js";
import { TrafficRecorder } from "./metrics/traffic-recorder.js";
import { Registry } from "./registry.js";
import type { ScalingActivity } from "./scaling/autoscaler.js";
import { ScalingLoop } from "./scaling/scaling-loop.js";
import { reportBlocked, SecurityGroupGate } from "./security-groups/enforcement.js";
import { loadBalancerEnd } from "./security-groups/reachability.js";
import { ServiceController } from "./service-controller.js";
import type { TaskRunInit } from "./task-runner.js";
import type { ServiceTask, TaskFactory } from "./task-state.js";
import type { Clock } from "./time-scale.js";

export interface ControlPlaneOptions {
  readonly model: Model;
  /** Where the registry writes Cloud Map's endpoints, for people and tools. */
  readonly endpointsFile: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Listener port → host port overrides (default 80 → 8080). */
  readonly listenerPorts: ReadonlyMap<number, number>;
  /** Makes the tasks: real ones (namespaces, processes), or in-memory ones in tests. */
  readonly createTask: TaskFactory;
  /** Human-readable events (task started, registered, stopped…) for the `up` output. */
  readonly onEvent: (line: string) => void;
  /** How often every service is reconciled even without a change. @default 200 */
  readonly tickMs?: number;
  /** Real milliseconds, for metrics and scaling. @default Date.now */
  readonly now?: () => number;
  /** See `ServiceControllerOptions.faithfulRouting`. @default false */
  readonly faithfulRouting?: boolean;
  /** How tasks are measured and limited, for the status. @default resourceAccounting().label */
  readonly resources?: string;
}

const LOG_HISTORY = 500;

/**
 * The running control plane: one controller per service, the Cloud Map registry, the ALB
 * listeners, and the view the API serves. Start order follows `DependsOn`.
 */
export class ControlPlane implements ControlPlaneView, TargetSource {
  readonly controllers: ServiceController[];
  readonly listeners: LoadBalancerListener[];
  readonly registry: Registry;
  /** Metrics and Application Auto Scaling. */
  readonly scaling: ScalingLoop;
  readonly #options: ControlPlaneOptions;
  readonly #eventFollowers = new Set<{ service?: string; onEvent: (e: RunEvent) => void }>();
  readonly #logLines: string[] = [];
  readonly #logFollowers = new Set<{ service?: string; onLine: (line: string) => void }>();
  readonly #recorder: TrafficRecorder;
  #timer?: NodeJS.Timeout;
  #tickQueued = false;
  /** The latest push of Cloud Map's endpoints to every agent. */
  #endpointsPushed: Promise<void> = Promise.resolve();
  #shutdown?: Promise<void>;
  #shutdownReason?: string;
  readonly #closed: Promise<string>;
  #resolveClosed!: (reason: string) => void;

  constructor(options: ControlPlaneOptions) {
    this.#options = options;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const { model } = options;
    // Security groups decide every Service Connect and load balancer → target connection.
    const securityGroups = new SecurityGroupGate(
      model,
      reportBlocked(options.logger, options.onEvent),
    );
    this.registry = new Registry(options.endpointsFile);
    this.#recorder = new TrafficRecorder(model, {
      usage: () => this.scaling.usage,
      instances: (name) => this.registry.instances(name).length,
      // Counts seen in a real second stand for `timeScale` seconds of AWS time, as the ALB's.
      observe: (series, value, kind) =>
        this.scaling.store.observe(
          series,
          this.scaling.awsNow(),
          kind === "count" ? value * options.clock.timeScale : value,
        ),
      targetHealth: () =>
        new Map(
          this.listeners.flatMap((l) =>
            l.targetGroupIds.map(
              (id) =>
                [id, { healthy: l.healthyTargets(id), unhealthy: l.unhealthyTargets(id) }] as const,
            ),
          ),
        ),
    });
    // Every task's agent follows Cloud Map, whichever service changed it.
    this.registry.onChange((endpoints) => {
      const pushes = this.controllers.flatMap((c) =>
        c.liveTasks().map((task) => task.syncEndpoints(endpoints)),
      );
      this.#endpointsPushed = Promise.all(pushes).then(() => {});
    });
    this.controllers = model.services.map((service) => {
      const taskDefinition = model.taskDefinitions.find(
        (t) => t.origin.logicalId === service.taskDefinitionId,
      );
      if (!taskDefinition)
        throw new Error(
          `${service.name}: task definition ${service.taskDefinitionId} missing from the model`,
        );
      return new ServiceController({
        service,
        taskDefinition,
        createTask: (init) => {
          const runInit: TaskRunInit = {
            ...init,
            securityGroups,
            onServiceConnectRequest: (request) =>
              this.#recorder.serviceConnect(service.name, request, this.#now()),
            onAgentStats: (rows) => this.#recorder.agentStats(init.id, service, rows, this.#now()),
          };
          return options.createTask(runInit);
        },
        registry: this.registry,
        region: model.region,
        logger: options.logger,
        onEvent: options.onEvent,
        onLog: (line) => this.#log(service.name, line),
        deactivate: (task) => this.#deactivate(service, task),
        faithfulRouting: options.faithfulRouting ?? false,
        logsFollowed: () =>
          [...this.#logFollowers].some((f) => !f.service || f.service === service.name),
        // A task that became healthy may unblock a dependent service: look again now, not
        // at the next tick.
        onTaskChange: () => this.#queueTick(),
        onServiceEvent: (event) =>
          this.#publish({
            at: new Date(event.at).toISOString(),
            service: service.name,
            kind: "service",
            message: event.message,
          }),
      });
    });
    this.listeners = model.loadBalancers.flatMap((lb) =>
      lb.listeners.map(
        (listener) =>
          new LoadBalancerListener({
            listener,
            targetGroups: model.targetGroups,
            targets: this,
            hostPort: hostPortFor(listener.port, options.listenerPorts),
            clock: options.clock,
            logger: options.logger,
            securityGroups: { gate: securityGroups, loadBalancer: loadBalancerEnd(lb) },
            onExchange: (targetGroupId, exchange) =>
              this.#recorder.loadBalancer(
                lb.origin.logicalId,
                targetGroupId,
                exchange,
                this.#now(),
              ),
          }),
      ),
    );
    this.scaling = new ScalingLoop({
      model,
      controllers: this.controllers,
      listeners: this.listeners,
      clock: options.clock,
      onDesiredCount: () => this.#queueTick(),
      ...(options.now ? { now: options.now } : {}),
      onActivity: (activity) => {
        const event = scalingEvent(activity);
        options.onEvent(
          `${new Date(activity.startTime).toISOString()} ${event.service}: ${event.message}`,
        );
        this.#publish(event);
      },
    });
  }

  async start(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.start()));
    this.#timer = setInterval(() => this.#tick(), this.#options.tickMs ?? 200);
    this.scaling.start();
    this.#tick();
  }

  #queueTick(): void {
    if (this.#tickQueued) return;
    this.#tickQueued = true;
    setImmediate(() => {
      this.#tickQueued = false;
      this.#tick();
    });
  }

  /**
   * ECS registers a service's RUNNING tasks in its target groups (and deregisters them as
   * they stop): the ALB asks which.
   */
  registeredTargets(targetGroupId: string): readonly TargetRegistration[] {
    const targets: TargetRegistration[] = [];
    for (const controller of this.controllers) {
      const attachment = controller.service.loadBalancers.find(
        (l) => l.targetGroupId === targetGroupId,
      );
      if (!attachment) continue;
      for (const task of controller.liveTasks()) {
        if (task.status !== "RUNNING" || task.desiredStatus !== "RUNNING") continue;
        const socketPath = task.socketForPort(attachment.containerPort);
        if (socketPath) targets.push({ taskId: task.id, socketPath });
      }
    }
    return targets;
  }

  /**
   * ECS's DEACTIVATING for a task already out of Cloud Map and its target groups: once every
   * agent has its endpoints without it, and every load-balancer target of it has drained.
   */
  async #deactivate(service: Service, task: ServiceTask): Promise<void> {
    await this.#endpointsPushed;
    await Promise.all(
      service.loadBalancers.flatMap((attachment) => {
        const socketPath = task.socketForPort(attachment.containerPort);
        const group = this.#options.model.targetGroups.find(
          (g) => g.origin.logicalId === attachment.targetGroupId,
        );
        if (!socketPath || !group) return [];
        const delayMs = this.#options.clock.scaled(group.deregistrationDelayMs);
        return this.listeners
          .filter((l) => l.targetGroupIds.includes(attachment.targetGroupId))
          .map((l) => l.drained(socketPath, delayMs));
      }),
    );
  }

  #tick(): void {
    if (this.#shutdown) return;
    for (const controller of this.controllers) {
      const ready = controller.service.dependsOnServices.every((id) => {
        const dependency = this.controllers.find((c) => c.service.origin.logicalId === id);
        return dependency?.steady(this.#targetHealthy) ?? true;
      });
      controller.tick(ready, this.#targetHealthy);
      controller.noteSteadiness(controller.steady(this.#targetHealthy));
    }
  }

  readonly #targetHealthy = (taskId: string): boolean =>
    this.listeners.every((listener) => listener.targetHealthy(taskId));

  /** True once every service is steady (desired count running, healthy, in service). */
  get allSteady(): boolean {
    return this.controllers.every((c) => c.steady(this.#targetHealthy));
  }

  #log(service: string, line: string): void {
    this.#logLines.push(line);
    if (this.#logLines.length > LOG_HISTORY) this.#logLines.shift();
    for (const follower of this.#logFollowers) {
      if (!follower.service || follower.service === service) follower.onLine(line);
    }
  }

  findService(nameOrPrefix: string): ServiceController {
    const exact = this.controllers.find((c) => c.service.name === nameOrPrefix);
    if (exact) return exact;
    const matches = this.controllers.filter((c) => c.service.name.startsWith(nameOrPrefix));
    if (matches.length === 1) return matches[0] as ServiceController;
    const names = this.controllers.map((c) => c.service.name).join(", ");
    throw new UsageError(
      matches.length === 0
        ? `No service is named "${nameOrPrefix}" or starts with it. Services: ${names}.`
        : `"${nameOrPrefix}" matches several services (${matches.map((c) => c.service.name).join(", ")}); give more of the name.`,
    );
  }

  status(): RunStatus {
    const { model } = this.#options;
    return {
      stackName: model.stackName,
      timeScale: this.#options.clock.timeScale,
      resources: this.#options.resources ?? resourceAccounting().label,
      notEmulated: model.notEmulated,
      listeners: this.listeners.map((l) => ({
        port: l.hostPort,
        url: `http://127.0.0.1:${l.hostPort}/`,
      })),
      services: this.controllers.map((c) => this.#serviceStatus(c)),
    };
  }

  #serviceStatus(controller: ServiceController): ServiceStatus {
    const tasks = [...controller.tasks.values()];
    const live = controller.liveTasks();
    return {
      name: controller.service.name,
      desiredCount: controller.desiredCount,
      runningCount: live.filter((t) => t.status === "RUNNING").length,
      healthyCount: live.filter((t) => t.ready).length,
      aliases: (controller.service.serviceConnect?.services ?? []).flatMap((s) =>
        s.clientAliases.map((a) => `${a.dnsName}:${a.port}`),
      ),
      events: controller.events.slice(-10),
      deployments: controller.deployments().map((d) => ({
        id: d.id,
        status: d.status,
        taskDefinitionRevision: d.taskDefinitionRevision,
        rolloutState: d.rolloutState,
        rolloutStateReason: d.rolloutStateReason,
        desiredCount: d.status === "PRIMARY" ? controller.desiredCount : 0,
        runningCount: live.filter(
          (t) => t.status === "RUNNING" && controller.deploymentOf(t.id) === d.id,
        ).length,
        failedTasks: d.failedTasks,
        createdAt: new Date(d.createdAt).toISOString(),
        updatedAt: new Date(d.updatedAt).toISOString(),
      })),
      tasks: tasks.map((t) => ({
        id: t.id,
        deploymentId: controller.deploymentOf(t.id),
        lastStatus: t.status,
        desiredStatus: t.desiredStatus,
        health: t.health,
        startedAt: t.startedAt ? new Date(t.startedAt).toISOString() : undefined,
        stoppedReason: t.stoppedReason,
        exitCodes: { ...t.exitCodes },
        sockets: { ...t.sockets },
        ...(t.address ? { address: t.address } : {}),
      })),
      cloudMap: (controller.service.serviceConnect?.services ?? []).map((s) => ({
        discoveryName: s.discoveryName,
        instances: this.registry.instances(s.discoveryName).length,
      })),
      ...this.#scalingStatus(controller.service.name),
    };
  }

  #scalingStatus(service: string): Pick<ServiceStatus, "scaling"> {
    const bounds = this.scaling.autoscaler.bounds(service);
    if (!bounds) return {};
    return { scaling: { ...bounds, policies: this.scaling.policyStatus(service) } };
  }

  events(filter: { service?: string }): RunEvent[] {
    const name = filter.service ? this.findService(filter.service).service.name : undefined;
    const service = this.controllers
      .filter((c) => name === undefined || c.service.name === name)
      .flatMap((c) =>
        c.serviceEvents.map(
          (e): RunEvent => ({
            at: new Date(e.at).toISOString(),
            service: c.service.name,
            kind: "service",
            message: e.message,
          }),
        ),
      );
    const scaling = this.scaling.autoscaler.activities(name).map(scalingEvent);
    return [...service, ...scaling].sort((a, b) => a.at.localeCompare(b.at));
  }

  followEvents(filter: { service?: string }, onEvent: (event: RunEvent) => void): () => void {
    const follower = {
      service: filter.service ? this.findService(filter.service).service.name : undefined,
      onEvent,
    };
    this.#eventFollowers.add(follower);
    return () => this.#eventFollowers.delete(follower);
  }

  #publish(event: RunEvent): void {
    for (const follower of this.#eventFollowers) {
      if (!follower.service || follower.service === event.service) follower.onEvent(event);
    }
  }

  usage(): TaskUsageView[] {
    return [...this.scaling.usage];
  }

  traffic(): TrafficView {
    return this.#recorder.view(this.#now());
  }

  timeline(): TimelineView {
    return this.scaling.timeline.view();
  }

  /** Every metric in Prometheus's text format. */
  metrics(): Promise<string> {
    return this.#recorder.metrics();
  }

  readonly #now = (): number => (this.#options.now ?? Date.now)();

  scale(service: string, desiredCount: number): ServiceStatus {
    if (!Number.isInteger(desiredCount) || desiredCount < 0) {
      throw new UsageError(`desired count ${desiredCount} must be a whole number of 0 or more.`);
    }
    const controller = this.findService(service);
    controller.desiredCount = desiredCount;
    this.#tick();
    return this.#serviceStatus(controller);
  }

  deploy(service: string, taskDefinition?: TaskDefinition): ServiceStatus {
    return this.#startDeployment(service, (controller) => controller.deploy(taskDefinition));
  }

  deployRevision(service: string, revision: number): ServiceStatus {
    return this.#startDeployment(service, (controller) => controller.deployRevision(revision));
  }

  #startDeployment(service: string, start: (controller: ServiceController) => void) {
    const controller = this.findService(service);
    start(controller);
    this.#tick();
    return this.#serviceStatus(controller);
  }

  execTarget(taskOrService: string, containerName?: string): ExecTarget {
    const live = this.controllers.flatMap((c) => c.liveTasks());
    const byTask = live.filter((t) => t.id.startsWith(taskOrService));
    const candidates = (
      byTask.length > 0 ? byTask : this.findService(taskOrService).liveTasks()
    ).filter((t) => t.holderPid !== undefined);
    const task = candidates.find((t) => t.status === "RUNNING") ?? candidates[0];
    if (task?.holderPid === undefined) {
      throw new UsageError(
        `No running task matches "${taskOrService}". Run \`ecs-local ps\` to see the tasks.`,
      );
    }
    const container = task.execContainer(containerName);
    return {
      taskId: task.id,
      holderPid: task.holderPid,
      ...(container ? { container } : {}),
    };
  }

  followLogs(filter: { service?: string }, onLine: (line: string) => void): () => void {
    const follower = {
      service: filter.service ? this.findService(filter.service).service.name : undefined,
      onLine,
    };
    this.#logFollowers.add(follower);
    return () => this.#logFollowers.delete(follower);
  }

  recentLogs(filter: { service?: string }): string[] {
    if (!filter.service) return [...this.#logLines];
    const name = this.findService(filter.service).service.name;
    return this.#logLines.filter((l) => l.startsWith(`${name}/`));
  }

  /**
   * Stops in reverse start order: dependents first, so nothing calls a stopped backend.
   * Single-flight: a second Ctrl-C or `down` joins the first shutdown.
   */
  shutdown(reason: string): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#shutdownReason = reason;
      this.#options.onEvent(`stopping (${reason}): draining tasks`);
      clearInterval(this.#timer);
      this.scaling.close();
      const order = startOrder(this.controllers).reverse();
      for (const controller of order) await controller.stopAll(reason);
      await Promise.all(this.listeners.map((l) => l.close()));
      this.#resolveClosed(reason);
    })();
    return this.#shutdown;
  }

  /** True once a shutdown has begun. */
  get stopping(): boolean {
    return this.#shutdownReason !== undefined;
  }

  /** Resolves with the reason once a shutdown (from any source) has finished. */
  get closed(): Promise<string> {
    return this.#closed;
  }
}

/** Controllers sorted so each comes after the services it depends on. */
export function startOrder(controllers: readonly ServiceController[]): ServiceController[] {
  const byId = new Map(controllers.map((c) => [c.service.origin.logicalId, c]));
  const seen = new Set<string>();
  const out: ServiceController[] = [];
  const visit = (c: ServiceController) => {
    if (seen.has(c.service.origin.logicalId)) return;
    seen.add(c.service.origin.logicalId);
    for (const dep of c.service.dependsOnServices) {
      const d = byId.get(dep);
      if (d) visit(d);
    }
    out.push(c);
  };
  for (const c of controllers) visit(c);
  return out;
}

/** A scaling activity as one line of `events`: status, description, cause, reasons. */
function scalingEvent(activity: ScalingActivity): RunEvent {
  const reasons = (activity.notScaledReasons ?? [])
    .map((r) => {
      const limit = r.maxCapacity ?? r.minCapacity ?? r.currentCapacity;
      return limit === undefined ? r.code : `${r.code} (${limit})`;
    })
    .join(", ");
  const message =
    activity.statusCode === "Successful"
      ? `${activity.description} ${activity.statusMessage ?? ""} Cause: ${activity.cause}`
      : `Not scaled: ${reasons}. Cause: ${activity.cause}`;
  return {
    at: new Date(activity.startTime).toISOString(),
    service: activity.serviceName,
    kind: "scaling",
    message: message.replace(/\s+/g, " ").trim(),
  };
}
