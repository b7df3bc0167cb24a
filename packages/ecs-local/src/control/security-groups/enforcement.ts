/**
 * Security groups on the data path: which Service Connect and load balancer → target
 * connections the template's rules block, how long a blocked connection takes to fail, and
 * the one warning per blocked pair. The verdicts come from {@link evaluateTcpConnection}; this
 * file finds the ends of each connection in the model and remembers what it has said.
 *
 * In a VPC a connection the groups do not allow is never answered: the SYN is dropped and the
 * caller's connect times out. ecs-local blocks the same connections and lets them time out the
 * same way, after the caller's own connect timeout divided by the run's time scale.
 */
import type { Logger } from "pino";
import type { Model, Service } from "../../model/types.js";
import type { BlockedEgress } from "../../proxy/agent-config.js";
import { SERVICE_CONNECT_DEFAULTS } from "../../proxy/defaults.js";
import type { Clock } from "../time-scale.js";
import {
  type ConnectionEnd,
  evaluateTcpConnection,
  type Reachability,
  type SecurityGroupNetwork,
  serviceEnd,
  type TcpConnection,
} from "./reachability.js";

/** A connection the groups do not allow, and what the warning about it says. */
export type BlockedConnection = TcpConnection & {
  readonly verdict: Extract<Reachability, { allowed: false }>;
};

/**
 * How long a caller waits to connect before it gives up, in AWS time: a Service Connect agent
 * as every agent does (Envoy's default; ECS publishes no other value), the ALB the 10 s it
 * documents for its connections to targets.
 */
export const CONNECT_TIMEOUT_MS = {
  serviceConnect: SERVICE_CONNECT_DEFAULTS.connectTimeoutMs,
  loadBalancer: 10_000,
} as const;

/** Below this a blocked connect would be hard to tell from a refused one. */
const CONNECT_TIMEOUT_FLOOR_MS = 200;

/** A connect timeout in the run's time. */
export function scaledConnectTimeout(clock: Clock, awsMs: number): number {
  return clock.scaled(awsMs, CONNECT_TIMEOUT_FLOOR_MS);
}

/**
 * The connection a Service Connect client opens for `discoveryName`: from the client's tasks
 * to the tasks of the service that registers the name, on the port their agent listens on
 * (`ingressPortOverride`, else the container port, as in awsvpc mode). Undefined when no
 * service of the model registers the name.
 */
export function serviceConnectConnection(
  services: readonly Service[],
  client: Service,
  discoveryName: string,
): TcpConnection | undefined {
  for (const server of services) {
    const entry = server.serviceConnect?.services.find((s) => s.discoveryName === discoveryName);
    if (entry) {
      return {
        from: serviceEnd(client),
        to: serviceEnd(server),
        port: entry.ingressPortOverride ?? entry.containerPort,
      };
    }
  }
  return undefined;
}

/**
 * The connection a load balancer opens to the targets of a target group: to the tasks of the
 * service registered in it, on the container port it registers (awsvpc targets are
 * `<task IP>:<container port>`). Undefined when no service uses the group. A group shared by
 * several services is judged by the first.
 */
export function targetGroupConnection(
  services: readonly Service[],
  loadBalancer: ConnectionEnd,
  targetGroupId: string,
): TcpConnection | undefined {
  for (const service of services) {
    const attachment = service.loadBalancers.find((l) => l.targetGroupId === targetGroupId);
    if (attachment) {
      return { from: loadBalancer, to: serviceEnd(service), port: attachment.containerPort };
    }
  }
  return undefined;
}

/** The connection if the groups block it, else undefined. */
export function blockedConnection(
  network: SecurityGroupNetwork,
  connection: TcpConnection,
): BlockedConnection | undefined {
  const verdict = evaluateTcpConnection(network, connection);
  return verdict.allowed ? undefined : { ...connection, verdict };
}

/** The key that makes "once per pair": both ends and the port. */
export function pairKey(connection: TcpConnection): string {
  return `${connection.from.name} → ${connection.to.name}:${connection.port}`;
}

/**
 * The run's security groups, as the data path asks about them: one per run, shared by every
 * task's agent and every ALB listener, so each blocked pair is told once however many tasks
 * and listeners try it.
 */
export class SecurityGroupGate {
  readonly #model: SecurityGroupNetwork & Pick<Model, "services">;
  readonly #onBlocked: (blocked: BlockedConnection) => void;
  readonly #told = new Set<string>();

  constructor(
    model: SecurityGroupNetwork & Pick<Model, "services">,
    /** Called once per blocked pair, the first time a connection of it is attempted. */
    onBlocked: (blocked: BlockedConnection) => void,
  ) {
    this.#model = model;
    this.#onBlocked = onBlocked;
  }

  /** Whether a Service Connect client may reach the tasks behind `discoveryName`. */
  serviceConnect(client: Service, discoveryName: string): BlockedConnection | undefined {
    const connection = serviceConnectConnection(this.#model.services, client, discoveryName);
    return connection && blockedConnection(this.#model, connection);
  }

  /** Whether a load balancer may reach the targets of a target group. */
  loadBalancerTargets(
    loadBalancer: ConnectionEnd,
    targetGroupId: string,
  ): BlockedConnection | undefined {
    const connection = targetGroupConnection(this.#model.services, loadBalancer, targetGroupId);
    return connection && blockedConnection(this.#model, connection);
  }

  /** A blocked connection was attempted: says so the first time for its pair. */
  attempted(blocked: BlockedConnection): void {
    const key = pairKey(blocked);
    if (this.#told.has(key)) return;
    this.#told.add(key);
    this.#onBlocked(blocked);
  }
}

/**
 * Whether the groups let the tasks of service `from` open a connection to a container port of
 * service `to` on the run network: what each task's network filter admits. A container port
 * Service Connect registers with an `ingressPortOverride` is judged on the override, the port
 * its clients' traffic arrives on in AWS, because the filter cannot tell that traffic from an
 * app's own connection to the same port.
 */
export function networkPolicy(
  model: SecurityGroupNetwork & Pick<Model, "services">,
): (from: string, to: string, port: number) => boolean {
  const byName = new Map(model.services.map((s) => [s.name, s]));
  const verdicts = new Map<string, boolean>();
  return (from, to, containerPort) => {
    const key = `${from}\n${to}\n${containerPort}`;
    const known = verdicts.get(key);
    if (known !== undefined) return known;
    const source = byName.get(from);
    const target = byName.get(to);
    const port =
      target?.serviceConnect?.services.find((e) => e.containerPort === containerPort)
        ?.ingressPortOverride ?? containerPort;
    const allowed =
      source === undefined ||
      target === undefined ||
      evaluateTcpConnection(model, { from: serviceEnd(source), to: serviceEnd(target), port })
        .allowed;
    verdicts.set(key, allowed);
    return allowed;
  };
}

/** What a task's agent needs to know of the groups: what to blackhole, and whom to tell. */
export interface EgressBlocks {
  /** For the agent's configuration; undefined when nothing is blocked. */
  readonly config: BlockedEgress | undefined;
  /** The task's app tried a blocked discovery name. */
  readonly attempted: (discoveryName: string) => void;
}

/**
 * The discovery names a Service Connect client may not reach, for its task's agent, with the
 * run's scaled connect timeout. Nothing is blocked without a gate (a control plane that does
 * not enforce groups).
 */
export function egressBlocks(
  gate: SecurityGroupGate | undefined,
  client: Service,
  discoveryNames: Iterable<string>,
  clock: Clock,
): EgressBlocks {
  const blocked = new Map<string, BlockedConnection>();
  for (const name of new Set(discoveryNames)) {
    const connection = gate?.serviceConnect(client, name);
    if (connection) blocked.set(name, connection);
  }
  return {
    config:
      blocked.size === 0
        ? undefined
        : {
            ports: new Map([...blocked].map(([name, c]) => [name, c.port])),
            connectTimeoutMs: scaledConnectTimeout(clock, CONNECT_TIMEOUT_MS.serviceConnect),
          },
    attempted: (name) => {
      const connection = blocked.get(name);
      if (connection) gate?.attempted(connection);
    },
  };
}

/**
 * How a run tells of a blocked pair: a warning in the control plane's log, with the
 * connection's parts as fields, and the same message as a line of the `up` output.
 */
export function reportBlocked(
  logger: Logger,
  onEvent: (line: string) => void,
): (blocked: BlockedConnection) => void {
  return ({ from, to, port, verdict }) => {
    logger.warn(
      {
        from: from.name,
        to: to.name,
        port,
        direction: verdict.direction,
        missingRuleOn: verdict.missing.constructPaths,
      },
      verdict.message,
    );
    onEvent(`${new Date().toISOString()} ${verdict.message}`);
  };
}
