/**
 * The task metadata endpoint v4 of one task. Each task gets its own server on a unix socket in
 * its folder; the task's Service Connect agent relays 169.254.170.2:80 there. A server knows only its own
 * task, so a container can read its task's documents and nothing else of the run: no other
 * task's metadata, no control-plane route, and only GET.
 */
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { availableParallelism } from "node:os";
import type { ContainerUsage } from "../sandbox/process-usage.js";

/** What the endpoint serves, read live from the task on every request. */
export interface TaskMetadataSource {
  /** Container documents by DockerId. */
  containers(): ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  task(): Readonly<Record<string, unknown>>;
  /** Usage of each container by DockerId; undefined while it does not run. */
  containerUsage(): ReadonlyMap<string, ContainerUsage | undefined>;
  /** Host CPU time since boot in ns (Docker's `system_cpu_usage`). */
  systemCpuNanos(): number;
}

export interface MetadataResponse {
  readonly status: number;
  readonly body: unknown;
}

interface Sample {
  readonly usage: ContainerUsage;
  readonly systemCpuNanos: number;
  readonly at: Date;
}

/**
 * Answers one request. Pure but for `previous`, the last stats sample per container, which
 * Docker's stats documents carry as `precpu_stats`.
 */
export function routeTaskMetadata(
  method: string,
  pathname: string,
  source: TaskMetadataSource,
  previous: Map<string, Sample>,
  now: Date = new Date(),
): MetadataResponse {
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, body: { error: `${method} is not allowed: task metadata is read-only` } };
  }
  const match = /^\/v4\/([^/]+)(\/task|\/taskWithTags|\/stats|\/task\/stats)?\/?$/.exec(pathname);
  const dockerId = match?.[1];
  const containers = source.containers();
  if (!match || dockerId === undefined || !containers.has(dockerId)) {
    return { status: 404, body: { error: `no task metadata at ${pathname}` } };
  }
  switch (match[2]) {
    case undefined:
      return { status: 200, body: containers.get(dockerId) };
    case "/task":
      return { status: 200, body: source.task() };
    case "/taskWithTags":
      return { status: 200, body: { ...source.task(), TaskTags: {} } };
    case "/stats":
      return { status: 200, body: statsOf(dockerId, source, previous, now) };
    default:
      return {
        status: 200,
        body: Object.fromEntries(
          [...containers.keys()].map((id) => [id, statsOf(id, source, previous, now)]),
        ),
      };
  }
}

/** Docker's stats document for one container (`{}` while it does not run, as ECS gives). */
function statsOf(
  dockerId: string,
  source: TaskMetadataSource,
  previous: Map<string, Sample>,
  now: Date,
): Record<string, unknown> {
  const usage = source.containerUsage().get(dockerId);
  if (!usage) return {};
  const sample: Sample = { usage, systemCpuNanos: source.systemCpuNanos(), at: now };
  const before = previous.get(dockerId);
  previous.set(dockerId, sample);
  const name = source.containers().get(dockerId)?.Name;
  return {
    read: now.toISOString(),
    preread: (before?.at ?? new Date(0)).toISOString(),
    pids_stats: { current: usage.pids },
    num_procs: 0,
    cpu_stats: cpuStats(sample),
    precpu_stats: before ? cpuStats(before) : { cpu_usage: { total_usage: 0 } },
    memory_stats: { usage: usage.memoryBytes, stats: {} },
    name: `/${typeof name === "string" ? name : dockerId}`,
    id: dockerId,
    networks: {},
  };
}

function cpuStats(sample: Sample): Record<string, unknown> {
  return {
    cpu_usage: {
      total_usage: sample.usage.cpuNanos,
      usage_in_usermode: sample.usage.userNanos,
      usage_in_kernelmode: sample.usage.systemNanos,
    },
    system_cpu_usage: sample.systemCpuNanos,
    online_cpus: availableParallelism(),
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** A running metadata endpoint for one task. */
export class TaskMetadataServer {
  readonly socketPath: string;
  readonly #server: Server;

  private constructor(socketPath: string, server: Server) {
    this.socketPath = socketPath;
    this.#server = server;
  }

  /** Listens on `socketPath` (replacing a stale socket file) for `source`'s task. */
  static async start(socketPath: string, source: TaskMetadataSource): Promise<TaskMetadataServer> {
    const previous = new Map<string, Sample>();
    const server = createServer((req, res) => {
      const pathname = new URL(req.url ?? "/", "http://169.254.170.2").pathname;
      const { status, body } = routeTaskMetadata(req.method ?? "GET", pathname, source, previous);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(req.method === "HEAD" ? undefined : JSON.stringify(body));
    });
    rmSync(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return new TaskMetadataServer(socketPath, server);
  }

  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
