/**
 * Keep-alive connection pools to endpoints, one `http.Agent` per endpoint socket. When an
 * endpoint leaves the endpoints file its pool is retired: idle connections close now and busy
 * ones close after their response, so the departing task's agent can finish draining
 * instead of waiting out its drain timeout for connections we would never use again.
 */
import http from "node:http";
import { SERVICE_CONNECT_DEFAULTS } from "./defaults.js";

class RetirableAgent extends http.Agent {
  retired = false;

  // Node's documented hook for "may this socket go back to the pool?".
  override keepSocketAlive(socket: import("node:net").Socket): boolean {
    return !this.retired && Boolean(super.keepSocketAlive(socket));
  }

  retire(): void {
    this.retired = true;
    for (const list of Object.values(this.freeSockets)) for (const s of list ?? []) s.destroy();
  }
}

export class UpstreamPool {
  readonly #agents = new Map<string, RetirableAgent>();
  readonly #idleMs: number;

  constructor(options: { idleMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? SERVICE_CONNECT_DEFAULTS.upstreamPoolIdleMs;
  }

  /** The agent for an endpoint socket, created on first use. */
  agent(socketPath: string): http.Agent {
    let agent = this.#agents.get(socketPath);
    if (!agent) {
      agent = new RetirableAgent({ keepAlive: true, timeout: this.#idleMs });
      this.#agents.set(socketPath, agent);
    }
    return agent;
  }

  /** Retires the pools of every socket not in `keep`. */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const [socketPath, agent] of this.#agents) {
      if (keep.has(socketPath)) continue;
      agent.retire();
      this.#agents.delete(socketPath);
    }
  }

  /** Retires all pools (on drain: in-flight requests finish, nothing is kept). */
  retireAll(): void {
    this.retainOnly(new Set());
  }
}
