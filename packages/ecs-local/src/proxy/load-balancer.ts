import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import {
  type BlockedConnection,
  CONNECT_TIMEOUT_MS,
  type SecurityGroupGate,
  scaledConnectTimeout,
} from "../control/security-groups/enforcement.js";
import type { ConnectionEnd } from "../control/security-groups/reachability.js";
import type { Clock } from "../control/time-scale.js";
import { ListenerPortError } from "../errors.js";
import type { Listener, TargetGroup } from "../model/types.js";
import { forwardHttp, sendProxyError } from "./http-forward.js";
import { pickTargetGroup } from "./listener-rules.js";
import { RoundRobin } from "./round-robin.js";
import {
  foldTargetHealth,
  INITIAL_TARGET,
  matchesHttpCode,
  routableTargets,
  type TargetHealthState,
} from "./target-health.js";
import { UpstreamPool } from "./upstream-pool.js";

/** One request as the load balancer's metrics count it. */
export interface LoadBalancerExchange {
  readonly status: number;
  /** TargetResponseTime: from the request sent to the target to its response's headers. */
  readonly latencyMs: number | null;
  readonly fromTarget: boolean;
}

/** A task registered in a target group, reached through its ingress socket. */
export interface TargetRegistration {
  readonly taskId: string;
  readonly socketPath: string;
}

/**
 * Who is registered in each target group. ECS registers a service's RUNNING tasks in its
 * target groups and deregisters them as they stop; the control plane answers this.
 */
export interface TargetSource {
  registeredTargets(targetGroupId: string): readonly TargetRegistration[];
}

/**
 * How long one forwarded exchange may take: the ALB's default idle timeout (60 s), applied
 * here to the whole exchange, which is stricter for responses that stream for longer.
 */
const ALB_IDLE_TIMEOUT_MS = 60_000;

/** How often a target still in `initial` is probed (ecs-local's start interval for targets). */
const INITIAL_PROBE_MS = 250;

interface Target {
  readonly taskId: string;
  readonly socketPath: string;
  /** Set when the security groups do not let the load balancer reach the target. */
  readonly blocked: BlockedConnection | undefined;
  health: TargetHealthState;
  nextProbeAt: number;
  probing: boolean;
}

/**
 * An ALB listener on 127.0.0.1: target-group health checks against each task's ingress
 * socket, round robin over healthy targets, and fail-open when none is healthy.
 */
export class LoadBalancerListener {
  readonly hostPort: number;
  readonly #listener: Listener;
  readonly #groups: ReadonlyMap<string, TargetGroup>;
  readonly #source: TargetSource;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #securityGroups:
    | { readonly gate: SecurityGroupGate; readonly loadBalancer: ConnectionEnd }
    | undefined;
  readonly #targets = new Map<string, Map<string, Target>>();
  readonly #pool = new UpstreamPool();
  readonly #pickers = new Map<string, RoundRobin<Target>>();
  readonly #abort = new AbortController();
  #requestCounts = new Map<string, number>();
  readonly #onExchange: (targetGroupId: string, exchange: LoadBalancerExchange) => void;
  /** Requests being forwarded now, per target socket, and who waits for one to reach 0. */
  readonly #inFlight = new Map<string, number>();
  readonly #idleWaiters = new Map<string, Set<() => void>>();
  #server?: Server;

  constructor(options: {
    listener: Listener;
    targetGroups: readonly TargetGroup[];
    targets: TargetSource;
    hostPort: number;
    clock: Clock;
    logger: Logger;
    /**
     * The run's security groups and this listener's load balancer: a target they do not let
     * it reach is never connected to; every connection to it times out.
     */
    securityGroups?: { gate: SecurityGroupGate; loadBalancer: ConnectionEnd };
    /**
     * Each request a target group took, once answered: the status the client got, the time
     * until the exchange ended (null when no target answered), and whether the target made
     * the status (as `HTTPCode_Target_*` counts) or the load balancer did.
     */
    onExchange?: (targetGroupId: string, exchange: LoadBalancerExchange) => void;
  }) {
    this.#listener = options.listener;
    this.#groups = new Map(options.targetGroups.map((g) => [g.origin.logicalId, g]));
    this.#source = options.targets;
    this.hostPort = options.hostPort;
    this.#clock = options.clock;
    this.#log = options.logger.child({ listener: options.listener.port });
    this.#securityGroups = options.securityGroups;
    this.#onExchange = options.onExchange ?? (() => {});
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#route(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) =>
        reject(new ListenerPortError(this.#listener.port, this.hostPort, error)),
      );
      server.listen(this.hostPort, "127.0.0.1", () => resolve());
    });
    for (const groupId of this.#groups.keys()) void this.#healthLoop(groupId);
  }

  async close(): Promise<void> {
    this.#abort.abort();
    this.#pool.retireAll();
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Whether a task passes the health checks of every target group of this listener it is
   * registered in; true when it is in none.
   */
  targetHealthy(taskId: string): boolean {
    return [...this.#groups.keys()].every((groupId) => {
      const target = this.#syncTargets(groupId).find((t) => t.taskId === taskId);
      return target === undefined || target.health.status === "healthy";
    });
  }

  /**
   * Resolves once nothing is in flight to `socketPath`, or after `maxMs`: a target's
   * `draining` state, which ends at once when it has no request in flight and at the group's
   * deregistration delay otherwise. The target must already be out of the rotation.
   */
  async drained(socketPath: string, maxMs: number): Promise<void> {
    if ((this.#inFlight.get(socketPath) ?? 0) === 0) return;
    await new Promise<void>((resolve) => {
      const waiters = this.#idleWaiters.get(socketPath) ?? new Set();
      this.#idleWaiters.set(socketPath, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      waiters.add(done);
    });
  }

  #forwarding(socketPath: string, delta: 1 | -1): void {
    const count = (this.#inFlight.get(socketPath) ?? 0) + delta;
    if (count > 0) {
      this.#inFlight.set(socketPath, count);
      return;
    }
    this.#inFlight.delete(socketPath);
    for (const done of this.#idleWaiters.get(socketPath) ?? []) done();
    this.#idleWaiters.delete(socketPath);
  }

  /** The target groups this listener forwards to, by logical ID. */
  get targetGroupIds(): readonly string[] {
    return [...this.#groups.keys()];
  }

  /** How many targets of a group pass their health checks now (ALB's HealthyHostCount). */
  healthyTargets(groupId: string): number {
    return this.#syncTargets(groupId).filter((t) => t.health.status === "healthy").length;
  }

  /** How many targets of a group fail their health checks now (ALB's UnHealthyHostCount). */
  unhealthyTargets(groupId: string): number {
    return this.#syncTargets(groupId).filter((t) => t.health.status === "unhealthy").length;
  }

  /**
   * Requests routed to each target group since the last call, then zero: what the metrics
   * sampler reads as ALB RequestCount.
   */
  takeRequestCounts(): Map<string, number> {
    const counts = this.#requestCounts;
    this.#requestCounts = new Map();
    return counts;
  }

  /** Takes in newly registered targets and forgets departed ones, keeping the health of the rest. */
  #syncTargets(groupId: string): Target[] {
    const known = this.#targets.get(groupId) ?? new Map<string, Target>();
    this.#targets.set(groupId, known);
    const current = new Map(
      this.#source.registeredTargets(groupId).map((t) => [t.taskId, t.socketPath] as const),
    );
    const departed = [...known.keys()].filter((id) => !current.has(id));
    for (const id of departed) known.delete(id);
    if (departed.length > 0) {
      // Pooled connections to a departed task would only hold up its drain.
      const live = [...this.#targets.values()].flatMap((group) => [...group.values()]);
      this.#pool.retainOnly(new Set(live.map((t) => t.socketPath)));
    }
    for (const [id, socketPath] of current) {
      if (!known.has(id)) {
        known.set(id, {
          taskId: id,
          socketPath,
          blocked: this.#blocked(groupId),
          health: INITIAL_TARGET,
          nextProbeAt: 0,
          probing: false,
        });
      }
    }
    return [...known.values()];
  }

  /**
   * Probes each target on its own schedule: at once when it registers (as the ALB does), every
   * {@link INITIAL_PROBE_MS} until its first pass, then every interval. The loop wakes often
   * so a new target never waits a whole interval.
   */
  async #healthLoop(groupId: string): Promise<void> {
    const group = this.#groups.get(groupId) as TargetGroup;
    const check = group.healthCheck;
    const intervalMs = this.#clock.scaled(check.intervalMs, 250);
    // A timeout bounds how long the app may take to answer, which scaling time does not
    // shorten: it stays as the template gives it (intervals are scaled).
    const timeoutMs = check.timeoutMs;
    while (!this.#abort.signal.aborted) {
      const now = Date.now();
      for (const target of this.#syncTargets(groupId)) {
        if (target.probing || target.nextProbeAt > now) continue;
        target.probing = true;
        void this.#probe(target, check.path, check.matcher, timeoutMs).then((result) => {
          target.probing = false;
          const before = target.health.status;
          target.health = foldTargetHealth(target.health, result, check);
          // Until its first pass a new target is probed quickly, like a container's start
          // interval: an app that listens a moment after its task starts is in service then,
          // not a whole interval later.
          const wait = target.health.status === "initial" ? INITIAL_PROBE_MS : intervalMs;
          target.nextProbeAt = Date.now() + wait;
          if (target.health.status !== before) {
            this.#log.info(
              { taskId: target.taskId, health: target.health.status, reason: result.reason },
              "target health",
            );
          }
        });
      }
      await sleep(Math.min(intervalMs, 200), undefined, { signal: this.#abort.signal }).catch(
        () => {},
      );
    }
  }

  /** The verdict of the security groups on the targets of a group: blocked, or undefined. */
  #blocked(groupId: string): BlockedConnection | undefined {
    if (!this.#securityGroups) return undefined;
    const { gate, loadBalancer } = this.#securityGroups;
    return gate.loadBalancerTargets(loadBalancer, groupId);
  }

  /**
   * A connection to a target the security groups block: told once per pair, then nothing
   * answers until the ALB's connect timeout (scaled, and no longer than `capMs`) has passed.
   * Resolves false when the listener closes first.
   */
  async #connectTimesOut(blocked: BlockedConnection, capMs = Number.POSITIVE_INFINITY) {
    this.#securityGroups?.gate.attempted(blocked);
    const waitMs = scaledConnectTimeout(this.#clock, CONNECT_TIMEOUT_MS.loadBalancer);
    return sleep(Math.min(waitMs, capMs), true, { signal: this.#abort.signal }).catch(() => false);
  }

  async #probe(
    target: Target,
    path: string,
    matcher: string,
    timeoutMs: number,
  ): Promise<{ ok: boolean; reason?: string }> {
    if (target.blocked) {
      await this.#connectTimesOut(target.blocked, timeoutMs);
      return { ok: false, reason: "Target.Timeout" };
    }
    return new Promise((resolve) => {
      const req = request(
        {
          socketPath: target.socketPath,
          path,
          method: "GET",
          headers: { host: "localhost", "user-agent": "ELB-HealthChecker/2.0" },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          const ok = matchesHttpCode(matcher, res.statusCode ?? 0);
          resolve(ok ? { ok } : { ok, reason: `Target.ResponseCodeMismatch (${res.statusCode})` });
        },
      );
      req.on("timeout", () => req.destroy(new Error("Target.Timeout")));
      req.on("error", (error) => resolve({ ok: false, reason: error.message }));
      req.end();
    });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const groupId = pickTargetGroup(this.#listener, path, req.headers.host ?? "");
    if (!groupId) return sendProxyError(res, 503, "503 Service Temporarily Unavailable");
    this.#requestCounts.set(groupId, (this.#requestCounts.get(groupId) ?? 0) + 1);
    const picker = this.#pickers.get(groupId) ?? new RoundRobin<Target>();
    this.#pickers.set(groupId, picker);
    const target = picker.pick(routableTargets(this.#syncTargets(groupId)));
    if (!target) return sendProxyError(res, 503, "503 Service Temporarily Unavailable");
    if (target.blocked) {
      // As on AWS: the connection is never answered, and the ALB gives up with a 504.
      if (await this.#connectTimesOut(target.blocked)) {
        sendProxyError(res, 504, "504 Gateway Time-out");
      }
      return;
    }
    this.#forwarding(target.socketPath, 1);
    const outcome = await forwardHttp(
      req,
      res,
      { socketPath: target.socketPath, agent: this.#pool.agent(target.socketPath) },
      {
        timeoutMs: ALB_IDLE_TIMEOUT_MS,
        clientAddress: req.socket.remoteAddress ?? "127.0.0.1",
        addHeaders: {
          "x-forwarded-proto": "http",
          "x-forwarded-port": String(this.#listener.port),
        },
      },
    ).finally(() => this.#forwarding(target.socketPath, -1));
    if (outcome.type === "response") {
      this.#onExchange(groupId, {
        status: outcome.statusCode,
        latencyMs: outcome.headersMs,
        fromTarget: true,
      });
    } else if (outcome.type === "connect-failed" || outcome.type === "upstream-failed") {
      this.#log.warn({ taskId: target.taskId, err: outcome.error.message }, "target failed");
      sendProxyError(res, 502, "502 Bad Gateway");
      this.#onExchange(groupId, { status: 502, latencyMs: null, fromTarget: false });
    } else if (outcome.type === "timeout") {
      sendProxyError(res, 504, "504 Gateway Time-out");
      this.#onExchange(groupId, { status: 504, latencyMs: null, fromTarget: false });
    }
  }
}
