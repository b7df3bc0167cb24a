/**
 * Whether security groups let one endpoint open a TCP connection to another, decided as AWS
 * decides it: some egress rule of the source's groups and some ingress rule of the
 * destination's groups must both allow it. Pure: the model's groups in, a verdict out. The same
 * verdict serves the load balancer → target case and the Service Connect client → server
 * case; only the ends differ.
 */
import type {
  LoadBalancer,
  Model,
  SecurityGroup,
  SecurityGroupRule,
  Service,
} from "../../model/types.js";
import { cidrContains, type Ipv4Cidr, isEveryAddress, parseIpv4Cidr } from "./ipv4-cidr.js";

/** The parts of the model a verdict reads; a whole `Model` will do. */
export type SecurityGroupNetwork = Pick<Model, "securityGroups" | "vpcCidrs">;

/** One end of a connection: what the user calls it and the security groups on it. */
export interface ConnectionEnd {
  /** For messages: a service name, a load balancer's construct path. */
  readonly name: string;
  /** Logical IDs of the groups, or `sg-…` IDs of groups from outside the stack. */
  readonly securityGroupIds: readonly string[];
}

export interface TcpConnection {
  readonly from: ConnectionEnd;
  readonly to: ConnectionEnd;
  /** The destination port the connection is opened to. */
  readonly port: number;
}

export type Reachability =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** The side with no rule: the source's groups (egress) or the destination's (ingress). */
      readonly direction: "egress" | "ingress";
      /** The groups of that side, any one of which could take the missing rule. */
      readonly missing: {
        readonly groupIds: readonly string[];
        readonly constructPaths: readonly string[];
      };
      /** One line naming the connection, the groups and the fix. */
      readonly message: string;
    };

/** A service's tasks as a connection end. */
export function serviceEnd(service: Service): ConnectionEnd {
  return { name: service.name, securityGroupIds: service.securityGroupIds };
}

/** A load balancer as a connection end, named by its construct path. */
export function loadBalancerEnd(loadBalancer: LoadBalancer): ConnectionEnd {
  return {
    name: loadBalancer.origin.constructPath.replace(/\/Resource$/, ""),
    securityGroupIds: loadBalancer.securityGroupIds,
  };
}

/**
 * Whether the security groups of `connection.from` and `connection.to` let it be opened.
 * Groups are stateful, so the replies need no rule of their own. When both sides lack a rule
 * the egress side is reported: the connection leaves the source first.
 */
export function evaluateTcpConnection(
  network: SecurityGroupNetwork,
  connection: TcpConnection,
): Reachability {
  const { from, to, port } = connection;
  // An end with no groups is one the template does not say (the VPC's default group, a
  // hand-written service without `SecurityGroups`): ecs-local cannot judge it, so it lets the
  // connection through rather than fail an app that works in AWS.
  if (from.securityGroupIds.length === 0 || to.securityGroupIds.length === 0) {
    return { allowed: true };
  }
  const vpcRanges = network.vpcCidrs.map(parseIpv4Cidr);
  for (const direction of ["egress", "ingress"] as const) {
    const [own, peer] = direction === "egress" ? [from, to] : [to, from];
    const groups = own.securityGroupIds.map((id) =>
      network.securityGroups.find((group) => group.origin.logicalId === id),
    );
    const known = groups.filter((group) => group !== undefined);
    const peerIds = new Set(peer.securityGroupIds);
    const allows = known.some((group) =>
      group[direction].some((rule) => ruleAllows(rule, port, peerIds, vpcRanges)),
    );
    // A group from outside the stack has rules ecs-local cannot read; it may hold the rule.
    if (allows || known.length < groups.length) continue;
    return blocked(direction, connection, known, network.vpcCidrs);
  }
  return { allowed: true };
}

function ruleAllows(
  rule: SecurityGroupRule,
  port: number,
  peerIds: ReadonlySet<string>,
  vpcRanges: readonly (Ipv4Cidr | undefined)[],
): boolean {
  if (rule.protocol !== "tcp" && rule.protocol !== "-1") return false;
  // Protocol -1 means every port, whatever ports the rule states.
  if (rule.protocol === "tcp" && (port < rule.fromPort || port > rule.toPort)) return false;
  if ("groupId" in rule.peer) return peerIds.has(rule.peer.groupId);
  const range = parseIpv4Cidr(rule.peer.cidr);
  if (range === undefined) return false;
  // The model places no task in a subnet, so in AWS its address could be anywhere in the VPC:
  // a rule allows it only if it holds every VPC range (a /24 of a /16 VPC does not), and with
  // no known range only 0.0.0.0/0 does. This may refuse what AWS would allow, never the reverse.
  return (
    isEveryAddress(range) ||
    (vpcRanges.length > 0 &&
      vpcRanges.every((vpc) => vpc !== undefined && cidrContains(range, vpc)))
  );
}

function blocked(
  direction: "egress" | "ingress",
  { from, to, port }: TcpConnection,
  groups: readonly SecurityGroup[],
  vpcCidrs: readonly string[],
): Reachability {
  const [peer, preposition, call] =
    direction === "egress"
      ? [to, "to", "connections.allowTo"]
      : [from, "from", "connections.allowFrom"];
  const cidr = vpcCidrs.length === 0 ? "0.0.0.0/0" : `a CIDR covering ${vpcCidrs.join(" and ")}`;
  const owners = groups
    .map((group) => `${group.origin.logicalId} (${group.origin.constructPath})`)
    .join(" or ");
  const peers = peer.securityGroupIds.join(" or ");
  return {
    allowed: false,
    direction,
    missing: {
      groupIds: groups.map((group) => group.origin.logicalId),
      constructPaths: groups.map((group) => group.origin.constructPath),
    },
    message:
      `security groups block ${from.name} → ${to.name} on tcp/${port}: ` +
      `no ${direction} rule of ${owners} allows it ${preposition} ${peers} or ${preposition} ${cidr}; ` +
      `if ${from.name} should reach ${to.name}, add one in the CDK app (${call}).`,
  };
}
