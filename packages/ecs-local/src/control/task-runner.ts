import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { PreparedImage } from "../image/build-steps.js";
import { containerProcess } from "../image/container-process.js";
import type { ContainerDefinition, Service, TaskDefinition } from "../model/types.js";
import type { EgressConfig, SidecarConfig } from "../proxy/sidecar-config.js";
import type { HostEntry } from "../sandbox/hosts-file.js";
import { TaskSandbox } from "../sandbox/task-sandbox.js";
import { type ContainerHealthState, foldHealth, INITIAL_HEALTH } from "./container-health.js";
import type { HealthStatus, TaskStatus, TaskView } from "./task-state.js";
import type { Clock } from "./time-scale.js";

/** What a task needs from the run around it; injected so the runner stays small. */
export interface TaskContext {
  readonly runDir: string;
  /** The run's region and account: `AWS_REGION` in containers, ARNs in metadata. */
  readonly region: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Every Service Connect alias of the namespace, with its 127.255.0.N address. */
  readonly aliases: readonly HostEntry[];
  /** The egress listeners this task's sidecar opens (one per alias of other services). */
  readonly egress: readonly EgressSpec[];
  readonly endpointsFile: string;
  readonly apiSocket: string;
  readonly prepareImage: (container: ContainerDefinition) => Promise<PreparedImage>;
  /**
   * A container's environment: its environment files, `environment` and secrets, merged as
   * ECS merges them. Held in memory; it reaches only the container's process.
   */
  readonly environmentFor: (container: ContainerDefinition) => Readonly<Record<string, string>>;
  /** The command line that starts a sidecar with the given config file. */
  readonly sidecarCommand: (configPath: string) => string[];
  /** Called with each output line of a container, already prefixed. */
  readonly onLog: (line: string) => void;
  /** Called whenever status or health changes, so the service can react at once. */
  readonly onChange: (task: TaskRunner) => void;
}

/** The egress listeners of a task's sidecar: the sidecar's own config type. */
export type EgressSpec = EgressConfig;

/** How often a container is checked during its start period, before its first success. */
const START_INTERVAL_MS = 250;

interface RunningContainer {
  readonly definition: ContainerDefinition;
  readonly process: ChildProcess;
  readonly startedAt: number;
  readonly exited: Promise<number | null>;
  health: ContainerHealthState;
}

/**
 * One ECS task: its sandbox, its Service Connect sidecar and its containers, from
 * PROVISIONING to STOPPED. Stopping is single-flight and always ends in STOPPED with a reason.
 */
export class TaskRunner implements TaskView {
  readonly id: string;
  readonly service: string;
  readonly createdAt = Date.now();
  status: TaskStatus = "PROVISIONING";
  desiredStatus: "RUNNING" | "STOPPED" = "RUNNING";
  startedAt?: number;
  stoppedReason?: string;
  /** True when the task stopped on its own (exit, failed health) rather than by request. */
  failed = false;
  readonly exitCodes: Record<string, number | null> = {};
  /** Ingress socket per port mapping name: the task's address in Cloud Map. */
  readonly sockets: Record<string, string> = {};
  readonly #socketsByPort = new Map<number, string>();
  sandbox?: TaskSandbox;

  readonly #ctx: TaskContext;
  readonly #service: Service;
  readonly #taskDefinition: TaskDefinition;
  readonly #log: Logger;
  readonly #containers: RunningContainer[] = [];
  readonly #logStreams: WriteStream[] = [];
  #sidecar?: ChildProcess;
  #stopping?: Promise<void>;
  readonly #abort = new AbortController();

  constructor(id: string, service: Service, taskDefinition: TaskDefinition, ctx: TaskContext) {
    this.id = id;
    this.service = service.name;
    this.#service = service;
    this.#taskDefinition = taskDefinition;
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ service: service.name, taskId: id });
  }

  /** The ingress socket of the port mapping on `containerPort`, if the task has one. */
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

  /** Whether the task may receive traffic: running, and healthy when it has a health check. */
  get ready(): boolean {
    if (this.status !== "RUNNING" || this.desiredStatus !== "RUNNING") return false;
    const checked = this.#taskDefinition.containers.some((c) => c.healthCheck && c.essential);
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
    this.sandbox = await TaskSandbox.create({
      taskId: this.id,
      runDir: this.#ctx.runDir,
      hosts: this.#ctx.aliases,
      signal: this.#abort.signal,
    });
    if (this.#stopRequested()) return;
    this.#setStatus("PENDING");

    const images = await Promise.all(
      this.#taskDefinition.containers.map((c) => this.#ctx.prepareImage(c)),
    );
    if (this.#stopRequested()) return;
    await this.#startSidecar();
    this.#taskDefinition.containers.forEach((definition, index) => {
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

  async #startSidecar(): Promise<void> {
    const sandbox = this.sandbox as TaskSandbox;
    const ingress = this.#taskDefinition.containers.flatMap((c) =>
      c.portMappings.map((p) => {
        const portName = p.name ?? `${c.name}-${p.containerPort}`;
        const socketPath = join(sandbox.dir, `${portName}.sock`);
        this.sockets[portName] = socketPath;
        this.#socketsByPort.set(p.containerPort, socketPath);
        return { portName, containerPort: p.containerPort, socketPath };
      }),
    );
    const config: SidecarConfig = {
      taskId: this.id,
      ingress,
      egress: this.#ctx.egress,
      endpointsFile: this.#ctx.endpointsFile,
      metadata: {
        listenAddress: "169.254.170.2",
        listenPort: 80,
        upstreamSocketPath: this.#ctx.apiSocket,
      },
      drainMs: this.#ctx.clock.scaled(20_000, 500),
    };
    const configPath = join(sandbox.dir, "sidecar.json");
    await writeFile(configPath, JSON.stringify(config, null, 1));
    const log = this.#openLog("ecs-service-connect");
    this.#sidecar = sandbox.spawn(this.#ctx.sidecarCommand(configPath), {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#sidecar.stdout?.pipe(log, { end: false });
    this.#sidecar.stderr?.pipe(log, { end: false });
    // The sidecar is up once every ingress socket exists.
    const deadline = Date.now() + 15_000;
    while (!ingress.every((i) => existsSync(i.socketPath))) {
      if (this.#sidecar.exitCode !== null) {
        throw new Error(
          `the Service Connect sidecar exited with code ${this.#sidecar.exitCode}; see ${log.path}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`the Service Connect sidecar did not start within 15 s; see ${log.path}`);
      await sleep(25);
    }
  }

  #startContainer(definition: ContainerDefinition, image: PreparedImage): void {
    const sandbox = this.sandbox as TaskSandbox;
    const environment = this.#ctx.environmentFor(definition);
    const spec = containerProcess(
      image,
      { ...definition, environment },
      {
        ECS_CONTAINER_METADATA_URI_V4: `http://169.254.170.2/v4/${this.id}`,
        ECS_CONTAINER_METADATA_URI: `http://169.254.170.2/v4/${this.id}`,
        AWS_REGION: this.#ctx.region,
        AWS_DEFAULT_REGION: this.#ctx.region,
      },
    );
    const child = sandbox.spawn(spec.argv, {
      env: spec.env,
      cwd: spec.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = this.#openLog(definition.name);
    const prefix = `${this.service}/${this.id.slice(0, 8)} ${definition.name} |`;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.pipe(log, { end: false });
      let partial = "";
      stream?.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString("utf8")).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.#ctx.onLog(`${prefix} ${line}`);
      });
    }
    // Like Docker, a container killed by a signal exits with 128 + the signal's number.
    const exited = once(child, "exit").then(([code, signal]) =>
      code === null && signal
        ? 128 + (constants.signals[signal as NodeJS.Signals] ?? 0)
        : (code as number | null),
    );
    const running: RunningContainer = {
      definition,
      process: child,
      startedAt: Date.now(),
      exited,
      health: INITIAL_HEALTH,
    };
    this.#containers.push(running);
    void exited.then((code) => {
      this.exitCodes[definition.name] = code;
      if (this.desiredStatus === "STOPPED") return;
      this.#log.warn({ container: definition.name, exitCode: code }, "container exited");
      if (definition.essential) {
        void this.stop(
          `Essential container in task exited (${definition.name}: exit code ${code})`,
          true,
        );
      }
    });
  }

  async #healthLoop(container: RunningContainer): Promise<void> {
    const check = container.definition.healthCheck;
    if (!check) return;
    const { clock } = this.#ctx;
    const sandbox = this.sandbox as TaskSandbox;
    const startPeriodMs = clock.scaled(check.startPeriodMs);
    const argv =
      check.command[0] === "CMD-SHELL"
        ? ["sh", "-c", check.command.slice(1).join(" ")]
        : check.command.slice(1);
    while (this.desiredStatus === "RUNNING" && !this.#abort.signal.aborted) {
      const result = await sandbox
        .exec(argv, { timeoutMs: clock.scaled(check.timeoutMs, 2_000), env: process.env })
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
        this.#ctx.onChange(this);
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
   * Stops the task as ECS does: deregister, SIGTERM every container, SIGKILL after its stop
   * timeout, drain and stop the sidecar, remove the namespaces.
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
    this.#setStatus("DEACTIVATING");
    this.#setStatus("STOPPING");
    await Promise.all(
      this.#containers.map(async (c) => {
        if (c.process.exitCode !== null || c.process.signalCode !== null) return;
        signalGroup(c.process, "SIGTERM");
        const graceMs = this.#ctx.clock.scaled(c.definition.stopTimeoutSeconds * 1000, 1_000);
        const timer = setTimeout(() => signalGroup(c.process, "SIGKILL"), graceMs);
        await c.exited;
        clearTimeout(timer);
      }),
    );
    if (this.#sidecar && this.#sidecar.exitCode === null) {
      this.#sidecar.kill("SIGTERM");
      const timer = setTimeout(
        () => this.#sidecar?.kill("SIGKILL"),
        this.#ctx.clock.scaled(20_000, 1_000) + 1_000,
      );
      await once(this.#sidecar, "exit").catch(() => {});
      clearTimeout(timer);
    }
    this.#abort.abort();
    await this.sandbox?.close();
    for (const stream of this.#logStreams) stream.end();
    this.#setStatus("STOPPED");
  }

  #openLog(name: string): WriteStream {
    const stream = createWriteStream(join((this.sandbox as TaskSandbox).dir, `${name}.log`), {
      flags: "a",
    });
    this.#logStreams.push(stream);
    return stream;
  }

  #setStatus(status: TaskStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.#log.debug({ status }, "task status");
    this.#ctx.onChange(this);
  }

  /** The ECS task metadata v4 documents of this task. */
  metadata(): {
    task: Record<string, unknown>;
    containers: Record<string, Record<string, unknown>>;
  } {
    const { region, accountId } = this.#ctx;
    const clusterName = this.#service.clusterName;
    const arn = `arn:aws:ecs:${region}:${accountId}:task/${clusterName}/${this.id}`;
    const containers: Record<string, Record<string, unknown>> = {};
    for (const definition of this.#taskDefinition.containers) {
      containers[definition.name] = {
        DockerId: `${this.id}-${definition.name}`,
        Name: definition.name,
        Image:
          definition.image.kind === "asset"
            ? `asset:${definition.image.assetHash}`
            : definition.image.name,
        DesiredStatus: this.desiredStatus,
        KnownStatus: this.status,
        Health: { status: this.health },
        ExitCode: this.exitCodes[definition.name] ?? undefined,
        Networks: [{ NetworkMode: "awsvpc", IPv4Addresses: ["127.0.0.1"] }],
        ContainerARN: `${arn}/${definition.name}`,
      };
    }
    return {
      containers,
      task: {
        Cluster: clusterName,
        TaskARN: arn,
        Family: this.#taskDefinition.family,
        Revision: "1",
        ServiceName: this.#service.name,
        DesiredStatus: this.desiredStatus,
        KnownStatus: this.status,
        AvailabilityZone: `${region}a`,
        LaunchType: "FARGATE",
        PullStartedAt: new Date(this.createdAt).toISOString(),
        ...(this.startedAt ? { StartedAt: new Date(this.startedAt).toISOString() } : {}),
        Containers: Object.values(containers),
      },
    };
  }
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
