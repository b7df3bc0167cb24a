import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, createWriteStream, openSync, type WriteStream } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { ExecContainer } from "../api/control-plane-view.js";
import type { TaskMetadataSource } from "../api/task-metadata.js";
import { UsageError } from "../errors.js";
import type { PreparedImage } from "../image/build-steps.js";
import { containerProcess } from "../image/container-process.js";
import type { ContainerDefinition, TaskDefinition } from "../model/types.js";
import type { AgentConfig, EgressConfig, OutlierConfig } from "../proxy/agent-config.js";
import type { StatRow } from "../proxy/agent-stats.js";
import { SERVICE_CONNECT_DEFAULTS } from "../proxy/defaults.js";
import type { ServiceConnectRequest } from "../proxy/request-log.js";
import type { HostEntry } from "../sandbox/hosts-file.js";
import { type ContainerUsage, systemCpuNanos } from "../sandbox/process-usage.js";
import type { RunNetwork } from "../sandbox/run-network.js";
import { metadataUri } from "../sandbox/task-addresses.js";
import {
  AGENT_GROUP,
  type RunResources,
  runResources,
  type TaskResources,
} from "../sandbox/task-resources.js";
import { TaskSandbox } from "../sandbox/task-sandbox.js";
import { type ContainerHealthState, foldHealth, INITIAL_HEALTH } from "./container-health.js";
import { LogTail } from "./log-tail.js";
import type { EndpointMap } from "./registry.js";
import { egressBlocks, type SecurityGroupGate } from "./security-groups/enforcement.js";
import { ServiceConnectAgent } from "./service-connect-agent.js";
import {
  containerDocument,
  dockerIdOf,
  type TaskSnapshot,
  taskDocument,
} from "./task-documents.js";
import type {
  HealthStatus,
  ServiceTask,
  TaskFactory,
  TaskInit,
  TaskStatus,
  TaskUsage,
} from "./task-state.js";
import type { Clock } from "./time-scale.js";

/** What every task of a run shares; the factory closes over it. */
export interface TaskRunContext {
  readonly runDir: string;
  /** The run's region and account: `AWS_REGION` in containers, ARNs in metadata. */
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Every Service Connect alias of the namespace, with its 127.255.0.N address. */
  readonly aliases: readonly HostEntry[];
  /** The egress listeners a Service Connect task's agent opens, one per alias. */
  readonly egress: readonly EgressConfig[];
  /** What containers must not see (the run folder, the secrets file). */
  readonly hiddenPaths: readonly string[];
  readonly prepareImage: (container: ContainerDefinition) => Promise<PreparedImage>;
  /**
   * A container's environment: its environment files, `environment` and secrets, merged as
   * ECS merges them. Held in memory; it reaches only the container's process.
   */
  readonly environmentFor: (
    taskDefinition: TaskDefinition,
    container: ContainerDefinition,
  ) => Readonly<Record<string, string>>;
  /** Serves a task's metadata endpoint on a unix socket until `close()`. */
  readonly serveMetadata: (
    socketPath: string,
    source: TaskMetadataSource,
  ) => Promise<{ close(): Promise<void> }>;
  /**
   * How tasks are measured and limited: cgroups where this process may use them, else /proc
   * sums. @default runResources for `runDir` (cgroups as `resourceAccounting()` decides)
   */
  readonly resources?: RunResources;
  /**
   * Apply the task's CPU quota from its first instruction, as Fargate does, instead of once it
   * is ready (`--faithful-cpu`). @default false
   */
  readonly cpuQuotaFromStart?: boolean;
  /** Gives each task an `eth0` on the run network; without it tasks have only loopback. */
  readonly network?: RunNetwork;
}

/**
 * A task's init as the control plane hands it over: with the run's security groups, which the
 * task's agent enforces on its Service Connect connections.
 */
export interface TaskRunInit extends TaskInit {
  readonly securityGroups?: SecurityGroupGate;
  /** Each HTTP request the task's app sends through Service Connect, for the metrics. */
  readonly onServiceConnectRequest?: (request: ServiceConnectRequest) => void;
  /** Each reading of the task's agent counters, once a second, for the metrics. */
  readonly onAgentStats?: (rows: readonly StatRow[]) => void;
}

/** The factory of real tasks: namespaces, a Service Connect agent, the containers' processes. */
export function taskRunnerFactory(context: TaskRunContext): TaskFactory {
  const resources =
    context.resources ??
    runResources({
      runDir: context.runDir,
      onLeftovers: (count) =>
        context.logger.warn({ count }, "killed processes an earlier run left in its cgroups"),
    });
  const withResources = { ...context, resources };
  return (init) => new TaskRunner(init, withResources);
}

/**
 * ECS's stopped reason for a task whose container the kernel killed for memory (the
 * container's exit code is then 137).
 */
export const OUT_OF_MEMORY_REASON = "OutOfMemoryError: Container killed due to memory usage";

/** How often the control plane reads what containers wrote to their logs. */
const LOG_READ_INTERVAL_MS = 250;
/**
 * What one read takes of a container's new output when nobody follows its logs live: enough
 * for the history `logs` shows (the last 500 lines), not the whole of a busy app's output.
 */
const UNFOLLOWED_LOG_BYTES = 256 * 1024;

/** How often a container is checked during its start period, before its first success. */
const START_INTERVAL_MS = 250;

interface RunningContainer {
  readonly definition: ContainerDefinition;
  readonly dockerId: string;
  readonly process: ChildProcess;
  readonly workingDirectory: string;
  /** The `cgroup.procs` files of its groups: its health checks run there too. */
  readonly cgroup: readonly string[];
  readonly startedAt: number;
  readonly exited: Promise<number | null>;
  health: ContainerHealthState;
}

/**
 * One ECS task: its sandbox, its Service Connect agent and its containers, from
 * PROVISIONING to STOPPED. Stopping is single-flight and always ends in STOPPED with a reason.
 */
export class TaskRunner implements ServiceTask, TaskMetadataSource {
  readonly id: string;
  readonly service: string;
  readonly createdAt = Date.now();
  status: TaskStatus = "PROVISIONING";
  desiredStatus: "RUNNING" | "STOPPED" = "RUNNING";
  startedAt?: number;
  stoppedReason?: string;
  failed = false;
  readonly exitCodes: Record<string, number | null> = {};
  readonly sockets: Record<string, string> = {};
  address?: string;
  readonly #socketsByPort = new Map<number, string>();
  #sandbox?: TaskSandbox;

  readonly #init: TaskRunInit;
  readonly #ctx: TaskRunContext & { readonly resources: RunResources };
  readonly #log: Logger;
  readonly #containers: RunningContainer[] = [];
  readonly #logStreams: WriteStream[] = [];
  readonly #logTails: LogTail[] = [];
  #agent?: ServiceConnectAgent;
  #resources?: TaskResources;
  #metadataServer?: { close(): Promise<void> };
  #stopping?: Promise<void>;
  readonly #abort = new AbortController();

  constructor(init: TaskRunInit, ctx: TaskRunContext & { readonly resources: RunResources }) {
    this.id = init.id;
    this.service = init.service.name;
    this.#init = init;
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ service: init.service.name, taskId: init.id });
  }

  get taskDefinitionRevision(): number {
    return this.#init.taskDefinitionRevision;
  }

  get holderPid(): number | undefined {
    return this.#sandbox?.holderPid;
  }

  execContainer(name?: string): ExecContainer | undefined {
    const names = this.#init.taskDefinition.containers.map((c) => c.name);
    if (name !== undefined && !names.includes(name)) {
      throw new UsageError(
        `Task ${this.id} has no container "${name}"; its containers: ${names.join(", ")}.`,
      );
    }
    const chosen =
      name === undefined
        ? (this.#containers.find((c) => c.definition.essential) ?? this.#containers[0])
        : this.#containers.findLast((c) => c.definition.name === name);
    const pid = chosen?.process.pid;
    if (!chosen || pid === undefined || chosen.process.exitCode !== null) return undefined;
    return { name: chosen.definition.name, pid, workingDirectory: chosen.workingDirectory };
  }

  socketForPort(containerPort: number): string | undefined {
    return this.#socketsByPort.get(containerPort);
  }

  get health(): HealthStatus {
    const checked = this.#containers.filter(
      (c) => c.definition.healthCheck && c.definition.essential,
    );
    if (checked.some((c) => c.health.status === "UNHEALTHY")) return "UNHEALTHY";
    if (checked.length > 0 && checked.every((c) => c.health.status === "HEALTHY")) return "HEALTHY";
    return "UNKNOWN";
  }

  get ready(): boolean {
    if (this.status !== "RUNNING" || this.desiredStatus !== "RUNNING") return false;
    const checked = this.#init.taskDefinition.containers.some((c) => c.healthCheck && c.essential);
    return !checked || this.health === "HEALTHY";
  }

  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (error) {
      this.#log.error({ err: error }, "task failed to start");
      await this.stop(
        `Task failed to start: ${error instanceof Error ? error.message : error}`,
        true,
      );
    }
  }

  async #start(): Promise<void> {
    const { service, taskDefinition } = this.#init;
    const serviceConnect = service.serviceConnect !== undefined;
    this.#sandbox = await TaskSandbox.create({
      taskId: this.id,
      runDir: this.#ctx.runDir,
      hosts: serviceConnect ? this.#ctx.aliases : [],
      hide: this.#ctx.hiddenPaths,
      signal: this.#abort.signal,
    });
    const ports = taskDefinition.containers.flatMap((c) =>
      c.portMappings.map((p) => p.containerPort),
    );
    if (this.#ctx.network) {
      // Its security groups decide who may connect to its ports over the run network.
      const member = { group: service.name, ports };
      this.address = (await this.#ctx.network.attach(this.#sandbox.holderPid, member)).address;
    }
    // The task's group, with the task definition's memory and CPU, before anything of the
    // task runs: each container and the agent start in a child group of it.
    this.#resources = await this.#ctx.resources.openTask(this.id, {
      memoryMiB: taskDefinition.memoryMiB,
      cpuUnits: taskDefinition.cpu,
      cpuQuotaFromStart: this.#ctx.cpuQuotaFromStart === true,
    });
    if (this.#stopRequested()) return;
    this.#setStatus("PENDING");

    const images = await Promise.all(
      taskDefinition.containers.map((c) => this.#ctx.prepareImage(c)),
    );
    if (this.#stopRequested()) return;
    const metadataSocket = join(this.#sandbox.dir, "metadata.sock");
    this.#metadataServer = await this.#ctx.serveMetadata(metadataSocket, this);
    // What the task's security groups do not let it reach is blackholed by its agent.
    const blocks = egressBlocks(
      this.#init.securityGroups,
      service,
      serviceConnect ? this.#ctx.egress.map((e) => e.discoveryName) : [],
      this.#ctx.clock,
    );
    // Containers start only once the agent routes (every listener bound, every alias
    // redirected), as ECS starts them after the Service Connect agent is healthy.
    this.#agent = await ServiceConnectAgent.start({
      sandbox: this.#sandbox,
      config: { ...this.#agentConfig(metadataSocket, serviceConnect), blocked: blocks.config },
      onBlockedAttempt: blocks.attempted,
      ...(this.#init.onServiceConnectRequest
        ? { onRequest: this.#init.onServiceConnectRequest }
        : {}),
      ...(this.#init.onAgentStats ? { onStats: this.#init.onAgentStats } : {}),
      takenPorts: ports,
      endpoints: this.#init.endpoints(),
      log: this.#openLog(AGENT_GROUP),
      logger: this.#log,
      cgroup: this.#resources.enter(AGENT_GROUP),
    });
    // Cloud Map may have changed while the agent started.
    void this.#agent.syncEndpoints(this.#init.endpoints());
    if (this.#stopRequested()) return;
    taskDefinition.containers.forEach((definition, index) => {
      this.#startContainer(definition, images[index] as PreparedImage);
    });
    this.startedAt = Date.now();
    this.#setStatus("RUNNING");
    for (const container of this.#containers) {
      if (container.definition.healthCheck) void this.#healthLoop(container);
    }
  }

  // A method, not an inline comparison: `stop()` may flip the status during any await.
  #stopRequested(): boolean {
    return this.desiredStatus === "STOPPED";
  }

  /** Makes the agent's endpoints those of Cloud Map now. */
  async syncEndpoints(endpoints: EndpointMap): Promise<void> {
    await this.#agent?.syncEndpoints(endpoints);
  }

  #agentConfig(metadataSocket: string, serviceConnect: boolean): AgentConfig {
    const sandbox = this.#sandbox as TaskSandbox;
    const ingress = this.#init.taskDefinition.containers.flatMap((c) =>
      c.portMappings.map((p) => {
        const portName = p.name ?? `${c.name}-${p.containerPort}`;
        const socketPath = join(sandbox.dir, `${portName}.sock`);
        this.sockets[portName] = socketPath;
        this.#socketsByPort.set(p.containerPort, socketPath);
        return { portName, containerPort: p.containerPort, socketPath };
      }),
    );
    return {
      taskId: this.id,
      dir: sandbox.dir,
      ingress,
      egress: serviceConnect ? this.#ctx.egress : [],
      metadataSocket,
      adminSocket: join(sandbox.dir, "agent.sock"),
      drainMs: this.#ctx.clock.scaled(SERVICE_CONNECT_DEFAULTS.drainMs, 1_000),
      outlier: outlierConfig(this.#ctx.clock),
    };
  }

  #startContainer(definition: ContainerDefinition, image: PreparedImage): void {
    const sandbox = this.#sandbox as TaskSandbox;
    const dockerId = dockerIdOf(this.id, definition.name);
    const environment = this.#ctx.environmentFor(this.#init.taskDefinition, definition);
    const spec = containerProcess(
      image,
      { ...definition, environment },
      {
        ECS_CONTAINER_METADATA_URI_V4: metadataUri(dockerId),
        ECS_CONTAINER_METADATA_URI: metadataUri(dockerId),
        AWS_REGION: this.#ctx.region,
        AWS_DEFAULT_REGION: this.#ctx.region,
      },
    );
    const resources = this.#resources as TaskResources;
    const cgroup = resources.enter(definition.name, { memoryMiB: definition.memoryMiB });
    // The log file is the container's stdout and stderr: a write never waits for us.
    const logFile = join(sandbox.dir, `${definition.name}.log`);
    const fd = openSync(logFile, "a");
    let child: ChildProcess;
    try {
      child = sandbox.spawn(spec.argv, {
        env: spec.env,
        cwd: spec.cwd,
        stdio: ["ignore", fd, fd],
        cgroup,
      });
    } finally {
      closeSync(fd);
    }
    const prefix = `${this.service}/${this.id.slice(0, 8)} ${definition.name} |`;
    this.#logTails.push(
      new LogTail({
        file: logFile,
        onLines: (lines) => {
          for (const line of lines) this.#init.onLog(`${prefix} ${line}`);
        },
        limit: () => (this.#init.logsFollowed() ? undefined : UNFOLLOWED_LOG_BYTES),
        intervalMs: LOG_READ_INTERVAL_MS,
      }),
    );
    // Like Docker, a container killed by a signal exits with 128 + the signal's number.
    const exited = once(child, "exit").then(([code, signal]) =>
      code === null && signal
        ? 128 + (constants.signals[signal as NodeJS.Signals] ?? 0)
        : (code as number | null),
    );
    this.#containers.push({
      definition,
      dockerId,
      process: child,
      workingDirectory: spec.cwd,
      cgroup,
      startedAt: Date.now(),
      exited,
      health: INITIAL_HEALTH,
    });
    void exited.then((code) => {
      this.exitCodes[definition.name] = code;
      if (this.desiredStatus === "STOPPED") return;
      // Read from the container's group: the kernel counts its OOM kills there.
      const outOfMemory = resources.oomKilled(definition.name);
      this.#log.warn(
        { container: definition.name, exitCode: code, outOfMemory },
        "container exited",
      );
      if (definition.essential) {
        void this.stop(
          outOfMemory
            ? OUT_OF_MEMORY_REASON
            : `Essential container in task exited (${definition.name}: exit code ${code})`,
          true,
        );
      }
    });
  }

  async #healthLoop(container: RunningContainer): Promise<void> {
    const check = container.definition.healthCheck;
    if (!check) return;
    const { clock } = this.#ctx;
    const sandbox = this.#sandbox as TaskSandbox;
    const startPeriodMs = clock.scaled(check.startPeriodMs);
    const argv =
      check.command[0] === "CMD-SHELL"
        ? ["sh", "-c", check.command.slice(1).join(" ")]
        : check.command.slice(1);
    while (this.desiredStatus === "RUNNING" && !this.#abort.signal.aborted) {
      const result = await sandbox
        .exec(argv, {
          // A timeout bounds work that does not go faster when time is scaled: kept as given.
          timeoutMs: check.timeoutMs,
          env: process.env,
          cgroup: container.cgroup,
        })
        .catch((error: unknown) => ({
          exitCode: null,
          stdout: "",
          stderr: String(error),
          timedOut: false,
        }));
      if (this.desiredStatus !== "RUNNING") return;
      const before = container.health.status;
      container.health = foldHealth(
        container.health,
        {
          ok: result.exitCode === 0,
          sinceStartMs: Date.now() - container.startedAt,
          output: (result.stdout + result.stderr).trim().slice(-300),
        },
        { retries: check.retries, startPeriodMs },
      );
      if (container.health.status !== before) {
        this.#log.info(
          { container: container.definition.name, health: container.health.status },
          "health changed",
        );
        this.#changed();
      }
      // Like Docker's start interval: until the first success, checks inside the start
      // period come quickly (their failures do not count anyway), so a fast app is healthy
      // in a fraction of an interval; after that, the template's interval applies.
      const starting =
        container.health.status !== "HEALTHY" && Date.now() - container.startedAt < startPeriodMs;
      const delayMs = starting ? START_INTERVAL_MS : clock.scaled(check.intervalMs, 250);
      await sleep(delayMs, undefined, { signal: this.#abort.signal }).catch(() => {});
    }
  }

  /**
   * Stops the task as ECS does: deregister, drain the agent's inbound listeners, SIGTERM every
   * container, SIGKILL after its stop timeout, stop the agent, remove the namespaces.
   */
  stop(reason: string, failed = false): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.desiredStatus = "STOPPED";
    this.stoppedReason = reason;
    this.failed = failed;
    this.#stopping = this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // DEACTIVATING: out of Cloud Map and the target groups (the service reacts to the status),
    // then no new traffic: every agent has dropped it, its targets have drained; then its own
    // agent refuses new inbound connections. The app's outbound calls keep working.
    this.#setStatus("DEACTIVATING");
    if (this.startedAt !== undefined) await this.#init.deactivate();
    await this.#agent?.drainInbound();
    this.#setStatus("STOPPING");
    const { clock } = this.#ctx;
    await Promise.all(
      this.#containers.map(async (c) => {
        if (c.process.exitCode !== null || c.process.signalCode !== null) return;
        signalGroup(c.process, "SIGTERM");
        const graceMs = clock.scaled(c.definition.stopTimeoutSeconds * 1000, 1_000);
        const timer = setTimeout(() => signalGroup(c.process, "SIGKILL"), graceMs);
        await c.exited;
        clearTimeout(timer);
      }),
    );
    await this.#agent?.stop();
    await this.#metadataServer?.close();
    this.#abort.abort();
    if (this.#sandbox) this.#ctx.network?.detach(this.#sandbox.holderPid);
    try {
      await this.#sandbox?.close();
    } finally {
      // After the sandbox: a group goes once its processes have. Anything the sandbox missed
      // is still in the group, and is killed there.
      await this.#resources
        ?.release()
        .catch((err) => this.#log.warn({ err }, "cannot remove the task's cgroups"));
    }
    // A process's last output can arrive after its exit: end the logs once every pipe closed.
    const agent = this.#agent?.process;
    if (agent) await outputClosed(agent, 2_000);
    for (const stream of this.#logStreams) stream.end();
    await Promise.all(this.#logTails.map((tail) => tail.close()));
    this.#setStatus("STOPPED");
  }

  #openLog(name: string): WriteStream {
    const stream = createWriteStream(join((this.#sandbox as TaskSandbox).dir, `${name}.log`), {
      flags: "a",
    });
    // A full disk or a removed run folder loses log lines, never the control plane.
    stream.on("error", (err) => this.#log.warn({ err, log: name }, "cannot write a task log"));
    this.#logStreams.push(stream);
    return stream;
  }

  /**
   * Tells the service, and applies the CPU quota once the task is ready: until then it starts
   * at full speed (unless the run asked for Fargate's quota from the start).
   */
  #changed(): void {
    if (this.ready) this.#resources?.limitCpu();
    this.#init.onChange(this);
  }

  #setStatus(status: TaskStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.#log.debug({ status }, "task status");
    this.#changed();
  }

  #snapshot(): TaskSnapshot {
    return {
      id: this.id,
      service: this.#init.service,
      taskDefinition: this.#init.taskDefinition,
      taskDefinitionRevision: this.#init.taskDefinitionRevision,
      region: this.#ctx.region,
      accountId: this.#ctx.accountId,
      status: this.status,
      desiredStatus: this.desiredStatus,
      createdAt: this.createdAt,
      ...(this.startedAt ? { startedAt: this.startedAt } : {}),
      containerHealth: (name) =>
        this.#containers.find((c) => c.definition.name === name)?.health.status ?? "UNKNOWN",
      exitCodes: this.exitCodes,
      address: this.address,
    };
  }

  // TaskMetadataSource: what this task's metadata endpoint serves.

  containers(): ReadonlyMap<string, Record<string, unknown>> {
    const snapshot = this.#snapshot();
    return new Map(
      this.#init.taskDefinition.containers.map((c) => [
        dockerIdOf(this.id, c.name),
        containerDocument(snapshot, c),
      ]),
    );
  }

  task(): Record<string, unknown> {
    return taskDocument(this.#snapshot());
  }

  /**
   * The whole task's usage, containers and agent together: its cgroup's figures, else the
   * sum over their process trees from /proc.
   */
  usage(): TaskUsage | undefined {
    if (this.status !== "RUNNING" || !this.#resources) return undefined;
    const roots = [this.#agent?.process, ...this.#containers.map((c) => c.process)]
      .filter((child) => child?.pid !== undefined && child.exitCode === null)
      .map((child) => child?.pid as number);
    return this.#resources.usage(roots);
  }

  containerUsage(): ReadonlyMap<string, ContainerUsage | undefined> {
    const resources = this.#resources;
    return new Map(
      this.#init.taskDefinition.containers.map((definition) => {
        const running = this.#containers.find((c) => c.definition.name === definition.name);
        const live =
          resources !== undefined &&
          running?.process.pid !== undefined &&
          running.process.exitCode === null;
        return [
          dockerIdOf(this.id, definition.name),
          live
            ? resources.containerUsage(definition.name, running.process.pid as number)
            : undefined,
        ];
      }),
    );
  }

  systemCpuNanos(): number {
    return systemCpuNanos();
  }
}

/** Envoy's outlier ejection defaults, in the run's time. */
function outlierConfig(clock: Clock): OutlierConfig {
  return {
    consecutive5xx: SERVICE_CONNECT_DEFAULTS.consecutive5xx,
    ejectionMs: clock.scaled(SERVICE_CONNECT_DEFAULTS.baseEjectionMs, 500),
  };
}

/** Resolves once the child's stdout and stderr have closed, or after `timeoutMs`. */
function outputClosed(child: ChildProcess, timeoutMs: number): Promise<void> {
  const open = [child.stdout, child.stderr].filter(
    (stream) => stream !== null && !stream.destroyed && !stream.readableEnded,
  );
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void once(child, "close").then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Signals a container's whole process group: `npm run start` runs node as a child, and
 * Docker's stop reaches every process of the container, not only the first.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}
