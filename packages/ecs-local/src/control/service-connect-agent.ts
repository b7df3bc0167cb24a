/**
 * A task's Service Connect agent: an haproxy in the task's user and network namespaces (so it
 * keeps the run folder its containers do not see), in the task's cgroup (ECS counts the agent
 * toward the task). It is ready once its runtime API answers (every listener is bound by
 * then) and the alias redirects are installed; the task's containers start only after that.
 * The control plane keeps its endpoints equal to Cloud Map through the runtime API, so it
 * never reloads, and traffic keeps flowing with the last endpoints if the control plane
 * stalls.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { WriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { SandboxError } from "../errors.js";
import {
  type AgentConfig,
  type AgentPorts,
  agentPorts,
  BLACKHOLE_NETWORK,
  backendName,
  blockedPort,
  renderAgentConfig,
  serverLine,
  serverName,
} from "../proxy/agent-config.js";
import {
  type AgentServers,
  applyStep,
  endpointChanges,
  endpointSteps,
  stepSucceeded,
} from "../proxy/agent-endpoints.js";
import { agentCommand, followRing } from "../proxy/agent-runtime.js";
import { counter, parseStat, type StatRow, serverRow, statChanges } from "../proxy/agent-stats.js";
import type { Endpoint } from "../proxy/endpoints-file.js";
import { type Redirect, renderRedirects } from "../proxy/redirects.js";
import {
  parseRequestLine,
  REQUEST_RING,
  type ServiceConnectRequest,
} from "../proxy/request-log.js";
import { findTool } from "../sandbox/host-tools.js";
import { TASK_METADATA_ADDRESS, TASK_METADATA_PORT } from "../sandbox/task-addresses.js";
import type { TaskSandbox } from "../sandbox/task-sandbox.js";

/**
 * How often the agent's counters are read: one reading serves the metrics, the debug log of
 * retries and ejections, and the check for calls to blocked names.
 */
const STATS_READ_MS = 1_000;

/** How long an agent may take from spawn to answering its runtime API. */
const START_TIMEOUT_MS = 15_000;

export interface AgentStartOptions {
  readonly sandbox: TaskSandbox;
  readonly config: AgentConfig;
  /** Ports the task's containers use; the agent's listeners avoid them. */
  readonly takenPorts: readonly number[];
  /** Cloud Map as it is when the task starts. */
  readonly endpoints: ReadonlyMap<string, readonly Endpoint[]>;
  /** The cgroup files the agent's process starts in. */
  readonly cgroup?: readonly string[];
  /** Where haproxy's own messages go. */
  readonly log: WriteStream;
  /** Where the control plane's trouble with the agent is told. */
  readonly logger: Logger;
  /**
   * Called once per discovery name of `config.blocked`, the first time the task's app opens a
   * connection to it (which then times out).
   */
  readonly onBlockedAttempt?: (discoveryName: string) => void;
  /** Each HTTP request the task's app sent through Service Connect, once it has its answer. */
  readonly onRequest?: (request: ServiceConnectRequest) => void;
  /** Each reading of the agent's counters (`show stat`), once a second, for the metrics. */
  readonly onStats?: (rows: readonly StatRow[]) => void;
}

export class ServiceConnectAgent {
  readonly #process: ChildProcess;
  readonly #config: AgentConfig;
  readonly #ports: AgentPorts;
  readonly #sandbox: TaskSandbox;
  readonly #logger: Logger;
  #servers: AgentServers;
  #watch?: NodeJS.Timeout;
  #lastStats: readonly StatRow[] = [];
  #sync: Promise<void> = Promise.resolve();
  #stopping?: Promise<void>;
  #requests?: { close(): void };

  private constructor(process: ChildProcess, options: AgentStartOptions, ports: AgentPorts) {
    this.#ports = ports;
    this.#process = process;
    this.#config = options.config;
    this.#sandbox = options.sandbox;
    this.#logger = options.logger;
    this.#servers = serversOf(options.config, options.endpoints);
    if (options.onRequest && options.config.egress.some((e) => e.protocol === "http")) {
      this.#followRequests(options.onRequest);
    }
    const untold = new Set(
      options.onBlockedAttempt ? (options.config.blocked?.ports.keys() ?? []) : [],
    );
    const debug = this.#logger.isLevelEnabled("debug") && options.config.egress.length > 0;
    if (options.onStats || debug || untold.size > 0) {
      this.#watch = setInterval(() => void this.#read(options, debug, untold), STATS_READ_MS);
      this.#watch.unref();
    }
  }

  /** One reading of the counters, for everyone who wants it. */
  async #read(options: AgentStartOptions, debug: boolean, untold: Set<string>): Promise<void> {
    const rows = await this.stats().catch(() => undefined);
    if (!rows) return;
    options.onStats?.(rows);
    if (debug) this.#logChanges(rows);
    if (options.onBlockedAttempt) this.#tellAttempts(rows, untold, options.onBlockedAttempt);
  }

  /**
   * Tells of each blocked discovery name whose backend has had a session (the app connected
   * to its alias), once.
   */
  #tellAttempts(
    rows: readonly StatRow[],
    untold: Set<string>,
    tell: (discoveryName: string) => void,
  ): void {
    for (const name of untold) {
      if (counter(serverRow(rows, backendName(name), "BACKEND"), "stot") === 0) continue;
      untold.delete(name);
      tell(name);
    }
  }

  /**
   * Reads the request records as the agent writes them; if the connection drops while the
   * agent runs, follows again a second later (records written meanwhile are lost).
   */
  #followRequests(onRequest: (request: ServiceConnectRequest) => void): void {
    if (this.#stopping || this.#process.exitCode !== null) return;
    this.#requests = followRing(
      this.#config.adminSocket,
      REQUEST_RING,
      (line) => {
        const request = parseRequestLine(line);
        if (request) onRequest(request);
      },
      () => {
        setTimeout(() => this.#followRequests(onRequest), 1_000).unref();
      },
    );
  }

  /** Retries and ejections since the last reading, at debug level (`ECS_LOCAL_LOG_LEVEL`). */
  #logChanges(rows: readonly StatRow[]): void {
    for (const change of statChanges(this.#lastStats, rows)) {
      this.#logger.debug(change, `Service Connect agent: ${change.kind}`);
    }
    this.#lastStats = rows;
  }

  /** Starts the agent and resolves once it routes: listeners bound, redirects installed. */
  static async start(options: AgentStartOptions): Promise<ServiceConnectAgent> {
    const { sandbox, config, log } = options;
    const haproxy = await findTool("haproxy");
    if (!haproxy) {
      throw new SandboxError(
        "haproxy is not installed; it is the Service Connect agent of every task. `ecs-local doctor` says how to install it.",
      );
    }
    const ports = agentPorts(config, options.takenPorts);
    const file = join(sandbox.dir, "agent.cfg");
    await writeFile(file, renderAgentConfig(config, ports, options.endpoints));
    const child = sandbox.spawn([haproxy, "-db", "-f", file], {
      namespaces: "network",
      cwd: config.dir,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cgroup ? { cgroup: options.cgroup } : {}),
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    await waitAnswering(child, config.adminSocket, log.path.toString());
    const blackhole = config.blocked?.ports.size ? BLACKHOLE_NETWORK : undefined;
    await installRedirects(sandbox, redirectsOf(config, ports), blackhole).catch(
      (error: unknown) => {
        child.kill("SIGKILL");
        throw error;
      },
    );
    return new ServiceConnectAgent(child, options, ports);
  }

  /** Its counters and servers' states now (`show stat`). */
  async stats(): Promise<StatRow[]> {
    return parseStat(await agentCommand(this.#config.adminSocket, "show stat"));
  }

  /** The haproxy process. */
  get process(): ChildProcess {
    return this.#process;
  }

  /**
   * Makes the agent's endpoints those of `endpoints` (Cloud Map now). Calls run one after
   * the other; a server still busy when it should go is deleted at a later call.
   */
  syncEndpoints(endpoints: ReadonlyMap<string, readonly Endpoint[]>): Promise<void> {
    this.#sync = this.#sync
      .then(() => this.#apply(endpoints))
      // A dead agent is the task's to notice (its process exits); the next change retries.
      .catch((err: unknown) => this.#logger.warn({ err }, "cannot update the agent's endpoints"));
    return this.#sync;
  }

  async #apply(endpoints: ReadonlyMap<string, readonly Endpoint[]>): Promise<void> {
    if (this.#stopping || this.#config.egress.length === 0) return;
    const names = this.#config.egress.map((e) => e.discoveryName);
    const changes = endpointChanges(this.#servers, names, endpoints);
    const egressOf = (backend: string) =>
      this.#config.egress.find((e) => backendName(e.discoveryName) === backend);
    const steps = endpointSteps(
      changes,
      (backend, path) => {
        const egress = egressOf(backend);
        return egress ? serverLine(this.#config, this.#ports, egress, path) : "";
      },
      (backend) => {
        const egress = egressOf(backend);
        return (
          egress === undefined || blockedPort(this.#config, egress.discoveryName) === undefined
        );
      },
    );
    for (const step of steps) {
      const answer = await agentCommand(this.#config.adminSocket, step.command);
      if (stepSucceeded(step, answer)) this.#servers = applyStep(this.#servers, step);
      else this.#logger.warn({ command: step.command, answer: answer.trim() }, "agent refused");
    }
  }

  /**
   * Closes the inbound listeners, so a new connection is refused at once, while open ones and
   * outbound traffic go on: what ECS asks of its agent before it stops a task's containers
   * (`drain_listeners?inboundonly`). Not `disable`: a paused unix listener still queues
   * connections in the kernel, and they would hang instead of failing over.
   */
  async drainInbound(): Promise<void> {
    for (const ingress of this.#config.ingress) {
      await agentCommand(
        this.#config.adminSocket,
        `shutdown frontend in-${ingress.portName}`,
      ).catch((err: unknown) =>
        this.#logger.warn({ err }, "cannot drain the agent's inbound listeners"),
      );
    }
  }

  /**
   * A soft stop: no new connection anywhere, the open ones finish; after `drainMs` (the
   * agent's `hard-stop-after`) it exits anyway, and a second later it is killed.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#watch);
      // An open runtime-API session would hold a soft-stopping haproxy until its hard stop.
      this.#requests?.close();
      const child = this.#process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGUSR1");
      const timer = setTimeout(() => child.kill("SIGKILL"), this.#config.drainMs + 1_000);
      await once(child, "exit").catch(() => {});
      clearTimeout(timer);
    })();
    return this.#stopping;
  }

  /** The sandbox it runs in (for tests and `exec`). */
  get sandbox(): TaskSandbox {
    return this.#sandbox;
  }
}

/** Polls the runtime API until it answers; fails if the agent exits or takes too long. */
async function waitAnswering(child: ChildProcess, socket: string, logPath: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new SandboxError(
        `the Service Connect agent (haproxy) exited with ${child.exitCode ?? child.signalCode} before it was ready${await firstAlert(logPath)}; see ${logPath}`,
      );
    }
    const info = await agentCommand(socket, "show info", 1_000).catch(() => "");
    if (info.includes("Pid:")) return;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new SandboxError(
        `the Service Connect agent (haproxy) was not ready within ${START_TIMEOUT_MS / 1000} s; see ${logPath}`,
      );
    }
    await sleep(20);
  }
}

/**
 * Installs the redirects, and the blackhole of blocked endpoints when there is one, with
 * `nft -f -` in the task's network namespace.
 */
async function installRedirects(
  sandbox: TaskSandbox,
  redirects: readonly Redirect[],
  blackhole: string | undefined,
): Promise<void> {
  if (redirects.length === 0) return;
  const nft = await findTool("nft");
  if (!nft) {
    throw new SandboxError(
      "nft (nftables) is not installed; Service Connect aliases need it to reach the task's agent. `ecs-local doctor` says how to install it.",
    );
  }
  const result = await sandbox.exec([nft, "-f", "-"], {
    namespaces: "network",
    input: renderRedirects(redirects, blackhole ? { blackhole } : {}),
    timeoutMs: 10_000,
  });
  if (result.exitCode !== 0) {
    throw new SandboxError(
      `nft could not install the Service Connect redirects (exit ${result.exitCode}): ${result.stderr.trim()}`,
    );
  }
}

/** haproxy's first `[ALERT]` in its log, as `: <alert>`, or nothing. */
async function firstAlert(logPath: string): Promise<string> {
  // The log stream may not have flushed yet: the pipe closes after the exit.
  await sleep(50);
  const text = await readFile(logPath, "utf8").catch(() => "");
  const alert = /\[ALERT\][^:]*: (?:config : )?(.+)/.exec(text)?.[1];
  return alert ? `: ${alert.trim()}` : "";
}

function redirectsOf(config: AgentConfig, ports: AgentPorts): Redirect[] {
  const redirects: Redirect[] = config.egress.map((e, i) => ({
    address: e.address,
    port: e.port,
    toPort: ports.egress[i] as number,
  }));
  if (config.metadataSocket) {
    redirects.push({
      address: TASK_METADATA_ADDRESS,
      port: TASK_METADATA_PORT,
      toPort: ports.metadata,
    });
  }
  return redirects;
}

function serversOf(
  config: AgentConfig,
  endpoints: ReadonlyMap<string, readonly Endpoint[]>,
): AgentServers {
  const servers = new Map<string, Map<string, string>>();
  for (const egress of config.egress) {
    servers.set(
      backendName(egress.discoveryName),
      new Map((endpoints.get(egress.discoveryName) ?? []).map((e) => [serverName(e), e.address])),
    );
  }
  return servers;
}
