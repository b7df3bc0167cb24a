/**
 * The sidecar's configuration: what the control plane writes to `<task>/sidecar.json` before
 * starting the sidecar inside the task. Parsing is pure and reports every problem at once.
 */
import { SidecarConfigError } from "../errors.js";
import { TASK_METADATA_ADDRESS, TASK_METADATA_PORT } from "../sandbox/task-addresses.js";
import { SIDECAR_DEFAULTS } from "./defaults.js";

/** A port mapping of the task, exposed to other tasks as a unix socket (the task's "ENI"). */
export interface IngressConfig {
  /** The port mapping's name (Service Connect `portName`), for logs and metrics. */
  readonly portName: string;
  /** Where the app listens inside the task; connections go to `127.0.0.1:<containerPort>`. */
  readonly containerPort: number;
  /** Absolute path of the socket the sidecar creates; at most 107 bytes (the kernel's limit). */
  readonly socketPath: string;
}

/** One Service Connect client alias: a listener that routes to a discovery name's endpoints. */
export interface EgressConfig {
  /** The alias's address from /etc/hosts, `127.255.0.N`. */
  readonly address: string;
  readonly port: number;
  /** The Cloud Map service the alias points at; the key in the endpoints file. */
  readonly discoveryName: string;
  /** `http` proxies per request (L7); `tcp` passes bytes through per connection. */
  readonly protocol: "http" | "tcp";
  /** @default 15000 (Service Connect's default). 0 disables. Ignored for tcp. */
  readonly perRequestTimeoutMs: number;
  /** @default 300000 for http, 3600000 for tcp. 0 disables. */
  readonly idleTimeoutMs: number;
}

/** The task metadata endpoint v4 inside the task, forwarded to the task's metadata socket. */
export interface MetadataConfig {
  /** @default "169.254.170.2" */
  readonly listenAddress: string;
  /** @default 80 */
  readonly listenPort: number;
  /** The task's own metadata socket, served by the control plane; requests go unchanged. */
  readonly upstreamSocketPath: string;
}

export interface SidecarConfig {
  readonly taskId: string;
  readonly ingress: readonly IngressConfig[];
  readonly egress: readonly EgressConfig[];
  /** Absolute path of the endpoints file (see `endpoints-file.ts`). */
  readonly endpointsFile: string;
  readonly metadata?: MetadataConfig;
  /** How long SIGTERM waits for in-flight traffic. @default 20000 */
  readonly drainMs: number;
}

/**
 * The environment variable naming the file descriptor on which a sidecar writes `ready` once
 * every listener is bound and every redirect installed.
 */
export const READY_FD_ENV = "ECS_LOCAL_READY_FD";

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Validates parsed JSON and fills in defaults; throws {@link SidecarConfigError} listing every problem. */
export function parseSidecarConfig(input: unknown, source = "sidecar config"): SidecarConfig {
  const problems: string[] = [];
  const v = new Reader(problems);
  const root = v.object(input, "$");
  const taskId = v.string(root?.taskId, "$.taskId");
  const ingress = v.array(root?.ingress, "$.ingress").map((item, i): IngressConfig => {
    const at = `$.ingress[${i}]`;
    const o = v.object(item, at);
    return {
      portName: v.string(o?.portName, `${at}.portName`),
      containerPort: v.port(o?.containerPort, `${at}.containerPort`),
      socketPath: v.socketPath(o?.socketPath, `${at}.socketPath`),
    };
  });
  const egress = v.array(root?.egress, "$.egress").map((item, i): EgressConfig => {
    const at = `$.egress[${i}]`;
    const o = v.object(item, at);
    const protocol = o?.protocol ?? "http";
    if (protocol !== "http" && protocol !== "tcp") {
      problems.push(`${at}.protocol is ${JSON.stringify(protocol)}; expected "http" or "tcp".`);
    }
    const address = v.string(o?.address, `${at}.address`);
    if (address !== "" && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) {
      problems.push(
        `${at}.address is ${JSON.stringify(address)}; expected a loopback address like 127.255.0.1.`,
      );
    }
    return {
      address,
      port: v.port(o?.port, `${at}.port`),
      discoveryName: v.string(o?.discoveryName, `${at}.discoveryName`),
      protocol: protocol === "tcp" ? "tcp" : "http",
      perRequestTimeoutMs: v.duration(
        o?.perRequestTimeoutMs,
        `${at}.perRequestTimeoutMs`,
        SIDECAR_DEFAULTS.perRequestTimeoutMs,
      ),
      idleTimeoutMs: v.duration(
        o?.idleTimeoutMs,
        `${at}.idleTimeoutMs`,
        protocol === "tcp" ? SIDECAR_DEFAULTS.tcpIdleTimeoutMs : SIDECAR_DEFAULTS.httpIdleTimeoutMs,
      ),
    };
  });
  const seen = new Set<string>();
  for (const e of egress) {
    const key = `${e.address}:${e.port}`;
    if (seen.has(key))
      problems.push(
        `Two egress listeners use ${key}; each client alias needs its own address and port.`,
      );
    seen.add(key);
  }
  const endpointsFile = v.absolutePath(root?.endpointsFile, "$.endpointsFile");
  let metadata: MetadataConfig | undefined;
  if (root?.metadata !== undefined) {
    const o = v.object(root.metadata, "$.metadata");
    metadata = {
      listenAddress:
        o?.listenAddress === undefined
          ? TASK_METADATA_ADDRESS
          : v.string(o.listenAddress, "$.metadata.listenAddress"),
      listenPort:
        o?.listenPort === undefined
          ? TASK_METADATA_PORT
          : v.port(o.listenPort, "$.metadata.listenPort"),
      upstreamSocketPath: v.socketPath(o?.upstreamSocketPath, "$.metadata.upstreamSocketPath"),
    };
  }
  const drainMs = v.duration(root?.drainMs, "$.drainMs", SIDECAR_DEFAULTS.drainMs);
  if (problems.length > 0) {
    throw new SidecarConfigError(
      `${source} is invalid:\n  ${problems.join("\n  ")}\nThe control plane writes this file; this is a bug in ecs-local, please report it.`,
    );
  }
  return { taskId, ingress, egress, endpointsFile, ...(metadata ? { metadata } : {}), drainMs };
}

/** Reads one field, recording a problem (and returning a placeholder) when it is wrong. */
class Reader {
  constructor(private readonly problems: string[]) {}

  object(value: unknown, at: string): Record<string, unknown> | undefined {
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    this.problems.push(`${at} must be an object, got ${describe(value)}.`);
    return undefined;
  }

  array(value: unknown, at: string): unknown[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    this.problems.push(`${at} must be an array, got ${describe(value)}.`);
    return [];
  }

  string(value: unknown, at: string): string {
    if (typeof value === "string" && value !== "") return value;
    this.problems.push(`${at} must be a non-empty string, got ${describe(value)}.`);
    return "";
  }

  port(value: unknown, at: string): number {
    if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535)
      return value as number;
    this.problems.push(`${at} must be a port number 1-65535, got ${describe(value)}.`);
    return 0;
  }

  duration(value: unknown, at: string, fallback: number): number {
    if (value === undefined) return fallback;
    if (Number.isInteger(value) && (value as number) >= 0) return value as number;
    this.problems.push(
      `${at} must be a whole number of milliseconds >= 0, got ${describe(value)}.`,
    );
    return fallback;
  }

  absolutePath(value: unknown, at: string): string {
    const s = this.string(value, at);
    if (s !== "" && !s.startsWith("/"))
      this.problems.push(`${at} must be an absolute path, got ${JSON.stringify(s)}.`);
    return s;
  }

  socketPath(value: unknown, at: string): string {
    const s = this.absolutePath(value, at);
    if (Buffer.byteLength(s) > MAX_SOCKET_PATH_BYTES) {
      this.problems.push(
        `${at} is ${Buffer.byteLength(s)} bytes; unix socket paths are limited to ${MAX_SOCKET_PATH_BYTES}. Use a shorter run folder.`,
      );
    }
    return s;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
