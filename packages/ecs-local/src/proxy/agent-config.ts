/**
 * The Service Connect agent of a task is an haproxy: this is its configuration, rendered from
 * what the task needs (pure). Its parts, as ECS's Envoy has them:
 * - an ingress listener per port mapping: a unix socket in the task's folder (the task's
 *   "network interface", which other tasks' agents and the ALB connect to), passed through in
 *   TCP mode to the app on 127.0.0.1:<containerPort>;
 * - an egress listener per client alias of the namespace on a loopback port of the task
 *   (netfilter redirects the alias address there): HTTP aliases are proxied per request, round
 *   robin over the alias's endpoints (other tasks' ingress sockets), TCP aliases per connection;
 * - the task metadata endpoint on a loopback port (redirected from 169.254.170.2:80), relayed
 *   to the task's own metadata socket;
 * - the runtime API on a unix socket, through which the control plane adds and removes
 *   endpoints as Cloud Map changes, with no reload.
 *
 * Every unix socket is named relative to the agent's working folder (its task's folder):
 * haproxy takes socket paths of at most 97 bytes, and a run folder deep in a project makes
 * absolute ones longer. `../<task>/<port>.sock` stays short wherever the run folder is.
 */
import { relative } from "node:path";
import { SERVICE_CONNECT_DEFAULTS } from "./defaults.js";
import { type Endpoint, isSocketAddress } from "./endpoints-file.js";
import { REQUEST_LOG_FORMAT, REQUEST_RING, REQUEST_SAMPLE_EVERY } from "./request-log.js";

/** A port mapping of the task, reached by others through its unix socket. */
export interface IngressConfig {
  /** The port mapping's name (Service Connect `portName`). */
  readonly portName: string;
  readonly containerPort: number;
  /** Absolute path. */
  readonly socketPath: string;
}

/** One client alias: what the app dials, where the agent listens for it, where it routes. */
export interface EgressConfig {
  /** The alias's address from /etc/hosts, `127.255.0.N`. */
  readonly address: string;
  readonly port: number;
  /** The Cloud Map service the alias points at. */
  readonly discoveryName: string;
  /** `http` proxies per request (L7); `tcp` passes bytes through per connection. */
  readonly protocol: "http" | "tcp";
  /** Service Connect's per-request timeout (default 15 s); 0 disables. Not for TCP. */
  readonly perRequestTimeoutMs: number;
  /** Service Connect's idle timeout (default 300 s for HTTP, 3600 s for TCP); 0 disables. */
  readonly idleTimeoutMs: number;
}

/** Outlier ejection, in the run's time (scaled). */
export interface OutlierConfig {
  readonly consecutive5xx: number;
  readonly ejectionMs: number;
}

export interface AgentConfig {
  readonly taskId: string;
  /** The agent's working folder: every socket path is written relative to it. */
  readonly dir: string;
  readonly ingress: readonly IngressConfig[];
  readonly egress: readonly EgressConfig[];
  /** The task's metadata socket (served by the control plane for this task only). */
  readonly metadataSocket?: string;
  /** The runtime API's socket. */
  readonly adminSocket: string;
  /** How long a soft stop may take before the agent exits anyway. */
  readonly drainMs: number;
  readonly outlier: OutlierConfig;
  /**
   * Discovery names the task's security groups may not reach, each with the port the
   * connection is blocked on: their endpoints are pointed at the blackhole, and their
   * backend gives up connecting after `connectTimeoutMs` (the run's scaled connect timeout).
   */
  readonly blocked?: BlockedEgress;
}

/** The part of a task's egress its security groups block. */
export interface BlockedEgress {
  readonly ports: ReadonlyMap<string, number>;
  readonly connectTimeoutMs: number;
}

/**
 * Where the endpoints of a blocked discovery name are pointed: an address of the task's own
 * loopback whose packets its nftables table drops (`BLACKHOLE_NETWORK`), so a connection to
 * it is never answered and times out, as a connection a security group drops does in a VPC.
 */
export const BLACKHOLE_NETWORK = "127.254.0.0/16";
export const BLACKHOLE_ADDRESS = "127.254.0.1";

/** Loopback ports of the agent's own listeners inside the task, chosen below the app's. */
export interface AgentPorts {
  /** Egress listener port per egress entry, in order. */
  readonly egress: readonly number[];
  readonly metadata: number;
  /** The outlier clock: what an ejected endpoint's checks connect to (see `serverOptions`). */
  readonly outlierClock: number;
}

/** Ports from 15000 (Envoy's neighbourhood), skipping any the task's containers use. */
export function agentPorts(config: AgentConfig, taken: readonly number[]): AgentPorts {
  const used = new Set(taken);
  let next = 15_000;
  const take = (): number => {
    while (used.has(next)) next++;
    used.add(next);
    return next;
  };
  const metadata = take();
  const egress = config.egress.map(() => take());
  return { metadata, egress, outlierClock: take() };
}

/** haproxy's name for an endpoint of a discovery name: the task's id. */
export function serverName(endpoint: Endpoint): string {
  return `task-${endpoint.taskId}`;
}

/** The backend that serves a discovery name. */
export function backendName(discoveryName: string): string {
  return `sc-${discoveryName}`;
}

/** haproxy's duration syntax; 0 (disabled) becomes a day, haproxy's stand-in for "none". */
function duration(ms: number): string {
  return ms > 0 ? `${Math.round(ms)}ms` : "1d";
}

/** A unix socket as the agent names it: relative to its working folder. */
export function agentSocket(config: AgentConfig, socketPath: string): string {
  return `unix@${relative(config.dir, socketPath)}`;
}

export function renderAgentConfig(
  config: AgentConfig,
  ports: AgentPorts,
  endpoints: ReadonlyMap<string, readonly Endpoint[]>,
): string {
  const socket = (path: string) => agentSocket(config, path);
  const lines = [
    `# Service Connect agent of task ${config.taskId}, written by ecs-local.`,
    "global",
    "    maxconn 4000",
    `    stats socket ${socket(config.adminSocket)} mode 600 level admin`,
    `    hard-stop-after ${duration(config.drainMs)}`,
    "defaults",
    `    timeout connect ${duration(SERVICE_CONNECT_DEFAULTS.connectTimeoutMs)}`,
    `    timeout client ${duration(SERVICE_CONNECT_DEFAULTS.httpIdleTimeoutMs)}`,
    `    timeout server ${duration(SERVICE_CONNECT_DEFAULTS.httpIdleTimeoutMs)}`,
    "",
    // Request records for the metrics, kept in memory until the control plane reads them.
    `ring ${REQUEST_RING}`,
    "    format raw",
    "    size 262144",
    "",
  ];
  for (const ingress of config.ingress) lines.push(...ingressSection(ingress, socket));
  const backends = new Set<string>();
  config.egress.forEach((egress, i) => {
    lines.push(...egressSection(egress, ports.egress[i] as number));
    // One backend per discovery name, even when several aliases point at it.
    if (backends.has(egress.discoveryName)) return;
    backends.add(egress.discoveryName);
    lines.push(...backendSection(config, ports, egress, endpoints.get(egress.discoveryName) ?? []));
  });
  if (config.metadataSocket) {
    lines.push(...metadataSection(socket(config.metadataSocket), ports.metadata));
  }
  if (config.egress.length > 0) lines.push(...outlierClockSection(ports.outlierClock));
  return `${lines.join("\n")}\n`;
}

type SocketName = (path: string) => string;

function ingressSection(ingress: IngressConfig, socket: SocketName): string[] {
  const name = `in-${ingress.portName}`;
  return [
    `frontend ${name}`,
    "    mode tcp",
    `    bind ${socket(ingress.socketPath)} mode 666`,
    `    timeout client ${duration(SERVICE_CONNECT_DEFAULTS.tcpIdleTimeoutMs)}`,
    `    default_backend ${name}`,
    `backend ${name}`,
    "    mode tcp",
    `    timeout server ${duration(SERVICE_CONNECT_DEFAULTS.tcpIdleTimeoutMs)}`,
    `    server app 127.0.0.1:${ingress.containerPort}`,
    "",
  ];
}

function egressSection(egress: EgressConfig, port: number): string[] {
  const lines = [
    `frontend out-${egress.address}-${egress.port}`,
    `    mode ${egress.protocol}`,
    `    bind 127.0.0.1:${port}`,
    `    timeout client ${duration(egress.idleTimeoutMs)}`,
  ];
  if (egress.protocol === "http") {
    lines.push(
      `    timeout http-keep-alive ${duration(egress.idleTimeoutMs)}`,
      "    option forwardfor",
      `    log ring@${REQUEST_RING} local0`,
      `    log-format "${REQUEST_LOG_FORMAT}"`,
      // One request in ten writes a record: response times are sampled, counts are not.
      `    http-request set-log-level silent unless { rand(${REQUEST_SAMPLE_EVERY}) eq 0 }`,
    );
  }
  lines.push(`    default_backend ${backendName(egress.discoveryName)}`, "");
  return lines;
}

/**
 * What every endpoint of an alias is added with, in the configuration and at run time alike
 * (haproxy's dynamic servers do not inherit `default-server`). Passive outlier ejection is
 * `observe` + `error-limit` + `on-error mark-down`: that many errors in a row take the server out,
 * as Envoy's consecutive 5xx does. haproxy observes only servers it also checks, but Envoy has
 * no active checks, and a check of the endpoint would reach its app as a connection opened and
 * cut. So the checks go to the agent's own outlier clock (`addr`/`port`), which always answers:
 * an ejected server is checked at the ejection time (`on-error mark-down` switches to
 * `fastinter`), passes, and is back, as the end of Envoy's ejection does; a healthy one is
 * checked once when added and then once a day (`inter 1d`), at no one's expense.
 */
export function serverOptions(
  egress: Pick<EgressConfig, "protocol">,
  outlier: OutlierConfig,
  ports: Pick<AgentPorts, "outlierClock">,
): string {
  return [
    `check addr 127.0.0.1 port ${ports.outlierClock}`,
    `inter 1d fastinter ${duration(outlier.ejectionMs)} downinter ${duration(outlier.ejectionMs)}`,
    "rise 1 fall 2",
    `observe ${egress.protocol === "http" ? "layer7" : "layer4"}`,
    `error-limit ${outlier.consecutive5xx} on-error mark-down`,
  ].join(" ");
}

/** The port a blocked discovery name's connections go to, or undefined when it is reachable. */
export function blockedPort(config: AgentConfig, discoveryName: string): number | undefined {
  return config.blocked?.ports.get(discoveryName);
}

/**
 * What follows an endpoint's server name, in the configuration and at run time alike: its
 * address (the app on the run network, or the target agent's ingress socket) and
 * {@link serverOptions}; or, for a discovery name the task's security groups block, the
 * blackhole with no checks and no ejection, so every connection waits out the connect timeout
 * as on AWS rather than failing at once on a server marked down.
 */
export function serverLine(
  config: AgentConfig,
  ports: Pick<AgentPorts, "outlierClock">,
  egress: EgressConfig,
  address: string,
): string {
  const port = blockedPort(config, egress.discoveryName);
  if (port !== undefined) return `${BLACKHOLE_ADDRESS}:${port}`;
  const server = isSocketAddress(address) ? agentSocket(config, address) : address;
  return `${server} ${serverOptions(egress, config.outlier, ports)}`;
}

function backendSection(
  config: AgentConfig,
  ports: AgentPorts,
  egress: EgressConfig,
  endpoints: readonly Endpoint[],
): string[] {
  const http = egress.protocol === "http";
  const lines = [
    `backend ${backendName(egress.discoveryName)}`,
    `    mode ${egress.protocol}`,
    "    balance roundrobin",
    // A failed attempt goes again, to another endpoint each time when there is one. haproxy
    // replays only a request that fits in its buffer, as Envoy does.
    `    retries ${SERVICE_CONNECT_DEFAULTS.retries}`,
    "    option redispatch 1",
  ];
  if (config.blocked && blockedPort(config, egress.discoveryName) !== undefined) {
    lines.push(`    timeout connect ${duration(config.blocked.connectTimeoutMs)}`);
  }
  if (http) lines.push("    retry-on conn-failure empty-response 503");
  if (http) {
    lines.push(
      // Connections to endpoints are kept and reused across requests, as Envoy pools them.
      "    http-reuse always",
      // The per-request timeout: how long the endpoint may stay silent before the answer.
      `    timeout server ${duration(egress.perRequestTimeoutMs)}`,
      `    http-error status 503 content-type text/plain string "no healthy endpoint for ${egress.discoveryName}"`,
    );
  } else {
    lines.push(`    timeout server ${duration(egress.idleTimeoutMs)}`);
  }
  for (const endpoint of endpoints) {
    lines.push(
      `    server ${serverName(endpoint)} ${serverLine(config, ports, egress, endpoint.address)}`,
    );
  }
  lines.push("");
  return lines;
}

/** A listener that takes every connection and closes it at once: a check to it always passes. */
function outlierClockSection(port: number): string[] {
  return [
    "frontend outlier-clock",
    "    mode tcp",
    `    bind 127.0.0.1:${port}`,
    "    tcp-request connection reject",
    "",
  ];
}

function metadataSection(server: string, port: number): string[] {
  return [
    "frontend metadata",
    "    mode http",
    `    bind 127.0.0.1:${port}`,
    "    default_backend metadata",
    "backend metadata",
    "    mode http",
    `    timeout server ${duration(10_000)}`,
    `    server task ${server}`,
    "",
  ];
}
