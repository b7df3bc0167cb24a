/**
 * Security groups with their inline rules and the standalone `SecurityGroupIngress` /
 * `SecurityGroupEgress` resources CDK emits for rules between groups, and the VPC ranges their
 * CIDR rules are judged against.
 */
import type { ResolveContext } from "./intrinsics.js";
import { type PropertyReader, propertyReader } from "./property-reader.js";
import { entriesOfType, type ResourceEntry } from "./template.js";
import type { Origin, SecurityGroup, SecurityGroupRule } from "./types.js";

const PROTOCOLS: Readonly<Record<string, SecurityGroupRule["protocol"]>> = {
  tcp: "tcp",
  "6": "tcp",
  udp: "udp",
  "17": "udp",
  icmp: "icmp",
  "1": "icmp",
  "-1": "-1",
  all: "-1",
};

/**
 * AWS gives a group created without `SecurityGroupEgress` an allow-all egress rule; it stays
 * even when standalone egress resources add more rules later. It belongs to the group: setting
 * the group's egress is what removes it.
 */
function awsDefaultEgress(group: Origin): SecurityGroupRule {
  return { origin: group, protocol: "-1", fromPort: 0, toPort: 65535, peer: { cidr: "0.0.0.0/0" } };
}

export function readSecurityGroups(
  entries: readonly ResourceEntry[],
  ctx: ResolveContext,
): SecurityGroup[] {
  const groups = new Map<
    string,
    { base: SecurityGroup; ingress: SecurityGroupRule[]; egress: SecurityGroupRule[] }
  >();
  for (const { resource, origin } of entriesOfType(entries, "AWS::EC2::SecurityGroup")) {
    const read = propertyReader(ctx, origin);
    const p = resource.Properties ?? {};
    const ingress = read
      .list(p.SecurityGroupIngress, "SecurityGroupIngress")
      .flatMap((raw, i) =>
        readRule(read, read.object(raw, `SecurityGroupIngress[${i}]`), "ingress"),
      );
    const egress =
      p.SecurityGroupEgress === undefined
        ? [awsDefaultEgress(origin)]
        : read
            .list(p.SecurityGroupEgress, "SecurityGroupEgress")
            .flatMap((raw, i) =>
              readRule(read, read.object(raw, `SecurityGroupEgress[${i}]`), "egress"),
            );
    const base: SecurityGroup = {
      origin,
      description: read.optionalString(p.GroupDescription, "GroupDescription") ?? "",
      ingress: [],
      egress: [],
    };
    groups.set(origin.logicalId, { base, ingress, egress });
  }

  for (const [type, direction] of [
    ["AWS::EC2::SecurityGroupIngress", "ingress"],
    ["AWS::EC2::SecurityGroupEgress", "egress"],
  ] as const) {
    for (const { resource, origin } of entriesOfType(entries, type)) {
      const read = propertyReader(ctx, origin);
      const p = resource.Properties ?? {};
      const groupId = read.logicalId(p.GroupId) ?? read.logicalId(p.GroupName);
      const group = groupId === undefined ? undefined : groups.get(groupId);
      // A rule on a group from outside the stack changes nothing ecs-local runs.
      if (group === undefined) continue;
      group[direction].push(...readRule(read, p, direction));
    }
  }
  return [...groups.values()].map(({ base, ingress, egress }) => ({ ...base, ingress, egress }));
}

/**
 * One rule, or none for peers ecs-local cannot model (prefix lists, unknown protocols). Its
 * origin is the reader's: the group for an inline rule, the rule's own resource otherwise.
 */
function readRule(
  read: PropertyReader,
  rule: Readonly<Record<string, unknown>>,
  direction: "ingress" | "egress",
): SecurityGroupRule[] {
  const rawProtocol = String(read.value(rule.IpProtocol) ?? "").toLowerCase();
  const protocol = PROTOCOLS[rawProtocol];
  if (protocol === undefined) return [];
  const peer = readPeer(read, rule, direction);
  if (peer === undefined) return [];
  const all = protocol === "-1";
  return [
    {
      origin: read.origin,
      protocol,
      fromPort: all ? 0 : (read.optionalNumber(rule.FromPort, "FromPort") ?? 0),
      toPort: all ? 65535 : (read.optionalNumber(rule.ToPort, "ToPort") ?? 65535),
      peer,
    },
  ];
}

function readPeer(
  read: PropertyReader,
  rule: Readonly<Record<string, unknown>>,
  direction: "ingress" | "egress",
): SecurityGroupRule["peer"] | undefined {
  const cidr =
    read.optionalString(rule.CidrIp, "CidrIp") ?? read.optionalString(rule.CidrIpv6, "CidrIpv6");
  if (cidr !== undefined) return { cidr };
  const rawGroup =
    direction === "ingress"
      ? (rule.SourceSecurityGroupId ?? rule.SourceSecurityGroupName)
      : rule.DestinationSecurityGroupId;
  if (rawGroup === undefined) return undefined;
  const groupId = read.logicalId(rawGroup) ?? read.optionalString(rawGroup, "peer security group");
  return groupId === undefined ? undefined : { groupId };
}

/**
 * The `CidrBlock` of each VPC, in template order. A VPC without one (its range comes from an
 * IPAM pool) has no range ecs-local can know, so it adds none.
 */
export function readVpcCidrs(entries: readonly ResourceEntry[], ctx: ResolveContext): string[] {
  return entriesOfType(entries, "AWS::EC2::VPC").flatMap(({ resource, origin }) => {
    const cidr = propertyReader(ctx, origin).optionalString(
      resource.Properties?.CidrBlock,
      "CidrBlock",
    );
    return cidr === undefined ? [] : [cidr];
  });
}
