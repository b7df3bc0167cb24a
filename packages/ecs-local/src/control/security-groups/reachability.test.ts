import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LoadBalancer, SecurityGroup, SecurityGroupRule } from "../../model/types.js";
import { service } from "../testing/model-builders.js";
import {
  type ConnectionEnd,
  evaluateTcpConnection,
  loadBalancerEnd,
  type SecurityGroupNetwork,
  serviceEnd,
} from "./reachability.js";

const origin = (logicalId: string) => ({
  logicalId,
  constructPath: `Stack/${logicalId}/Resource`,
});

/** A rule to or from `peer`: a CIDR when it has a slash, else a group's logical ID. */
function rule(
  protocol: SecurityGroupRule["protocol"],
  ports: number | readonly [number, number],
  peer: string,
): SecurityGroupRule {
  const [fromPort, toPort] = typeof ports === "number" ? [ports, ports] : ports;
  return {
    origin: origin(`RuleFor${peer}`),
    protocol,
    fromPort,
    toPort,
    peer: peer.includes("/") ? { cidr: peer } : { groupId: peer },
  };
}
const tcp = (ports: number | readonly [number, number], peer: string) => rule("tcp", ports, peer);

/** A group; its egress is AWS's default allow-all unless given. */
function group(
  logicalId: string,
  rules: { ingress?: readonly SecurityGroupRule[]; egress?: readonly SecurityGroupRule[] },
): SecurityGroup {
  return {
    origin: origin(logicalId),
    description: logicalId,
    ingress: rules.ingress ?? [],
    egress: rules.egress ?? [rule("-1", [0, 65535], "0.0.0.0/0")],
  };
}

const GROUPS: readonly SecurityGroup[] = [
  group("Alb", { ingress: [tcp(80, "0.0.0.0/0")], egress: [tcp(3000, "Web")] }),
  group("Web", { ingress: [tcp(3000, "Alb")] }),
  group("Api", { ingress: [tcp(5000, "Web")] }),
  group("Worker", { egress: [tcp(443, "0.0.0.0/0")] }),
  group("Queue", { ingress: [tcp(5672, "Worker"), tcp(443, "Worker")] }),
  group("VpcEgress", { egress: [tcp(6379, "10.0.0.0/16")] }),
  group("Cache", { ingress: [tcp(6379, "VpcEgress")] }),
  group("OpenToWorld", { ingress: [tcp(8080, "0.0.0.0/0")] }),
  group("OpenToVpc", { ingress: [tcp(8080, "10.0.0.0/16")] }),
  group("OpenToWider", { ingress: [tcp(8080, "10.0.0.0/8")] }),
  group("OpenToSubnet", { ingress: [tcp(8080, "10.0.1.0/24")] }),
  group("OpenToIpv6", { ingress: [tcp(8080, "::/0")] }),
  group("Range", { ingress: [tcp([8000, 8100], "Web")] }),
  // Ports a -1 rule states are ignored, as EC2 ignores them.
  group("AllFromWeb", { ingress: [rule("-1", [0, 0], "Web")] }),
  group("UdpFromWeb", { ingress: [rule("udp", 5000, "Web")] }),
  group("Self", { ingress: [rule("-1", [0, 65535], "Self")] }),
  group("Extra", { ingress: [tcp(22, "10.9.0.0/16")] }),
  group("Imported", { ingress: [tcp(9000, "sg-0123456789abcdef0")] }),
];

const network = (vpcCidrs: readonly string[] = ["10.0.0.0/16"]): SecurityGroupNetwork => ({
  securityGroups: GROUPS,
  vpcCidrs,
});
const end = (...securityGroupIds: string[]): ConnectionEnd => ({
  name: securityGroupIds.join("+") || "no-groups",
  securityGroupIds,
});

/** `allowed`, or the blocked direction and the groups that lack the rule. */
type Verdict = "allowed" | readonly ["egress" | "ingress", ...string[]];

// biome-ignore format: the table reads best one case to a line
const cases: readonly {
  readonly title: string;
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly port: number;
  readonly vpcCidrs?: readonly string[];
  readonly verdict: Verdict;
}[] = [
  // Group to group.
  { title: "ingress from the source's group", from: ["Web"], to: ["Api"], port: 5000, verdict: "allowed" },
  { title: "ingress only from another group", from: ["Api"], to: ["Web"], port: 3000, verdict: ["ingress", "Web"] },
  { title: "ingress from the group on another port", from: ["Web"], to: ["Api"], port: 5001, verdict: ["ingress", "Api"] },
  { title: "explicit egress to the destination's group", from: ["Alb"], to: ["Web"], port: 3000, verdict: "allowed" },
  { title: "explicit egress to another group", from: ["Alb"], to: ["Api"], port: 5000, verdict: ["egress", "Alb"] },
  { title: "explicit egress without the port", from: ["Worker"], to: ["Queue"], port: 5672, verdict: ["egress", "Worker"] },
  { title: "explicit egress on the port", from: ["Worker"], to: ["Queue"], port: 443, verdict: "allowed" },
  { title: "a group that allows itself", from: ["Self"], to: ["Self"], port: 22, verdict: "allowed" },
  // CIDR peers, judged against the VPC's range.
  { title: "ingress from 0.0.0.0/0", from: ["Web"], to: ["OpenToWorld"], port: 8080, verdict: "allowed" },
  { title: "ingress from 0.0.0.0/0 with no VPC range known", from: ["Web"], to: ["OpenToWorld"], port: 8080, vpcCidrs: [], verdict: "allowed" },
  { title: "ingress from the VPC's own CIDR", from: ["Web"], to: ["OpenToVpc"], port: 8080, verdict: "allowed" },
  { title: "ingress from a CIDR wider than the VPC", from: ["Web"], to: ["OpenToWider"], port: 8080, verdict: "allowed" },
  { title: "ingress from a subnet of the VPC", from: ["Web"], to: ["OpenToSubnet"], port: 8080, verdict: ["ingress", "OpenToSubnet"] },
  { title: "ingress from a CIDR with no VPC range known", from: ["Web"], to: ["OpenToVpc"], port: 8080, vpcCidrs: [], verdict: ["ingress", "OpenToVpc"] },
  { title: "ingress from a CIDR holding one of two VPCs", from: ["Web"], to: ["OpenToVpc"], port: 8080, vpcCidrs: ["10.0.0.0/16", "10.1.0.0/16"], verdict: ["ingress", "OpenToVpc"] },
  { title: "ingress from a CIDR holding both VPCs", from: ["Web"], to: ["OpenToWider"], port: 8080, vpcCidrs: ["10.0.0.0/16", "10.1.0.0/16"], verdict: "allowed" },
  { title: "ingress from an IPv6 CIDR", from: ["Web"], to: ["OpenToIpv6"], port: 8080, verdict: ["ingress", "OpenToIpv6"] },
  { title: "egress to the VPC's CIDR", from: ["VpcEgress"], to: ["Cache"], port: 6379, verdict: "allowed" },
  { title: "egress to a CIDR that is not the VPC's", from: ["VpcEgress"], to: ["Cache"], port: 6379, vpcCidrs: ["172.16.0.0/12"], verdict: ["egress", "VpcEgress"] },
  // Ports and protocols.
  { title: "the first port of a range", from: ["Web"], to: ["Range"], port: 8000, verdict: "allowed" },
  { title: "the last port of a range", from: ["Web"], to: ["Range"], port: 8100, verdict: "allowed" },
  { title: "a port below a range", from: ["Web"], to: ["Range"], port: 7999, verdict: ["ingress", "Range"] },
  { title: "a port above a range", from: ["Web"], to: ["Range"], port: 8101, verdict: ["ingress", "Range"] },
  { title: "protocol -1 on any port", from: ["Web"], to: ["AllFromWeb"], port: 65535, verdict: "allowed" },
  { title: "a udp rule for a tcp connection", from: ["Web"], to: ["UdpFromWeb"], port: 5000, verdict: ["ingress", "UdpFromWeb"] },
  // Several groups on a side: any group's rule suffices.
  { title: "one of two source groups has the egress", from: ["Worker", "Web"], to: ["Api"], port: 5000, verdict: "allowed" },
  { title: "one of two destination groups has the ingress", from: ["Web"], to: ["Extra", "Api"], port: 5000, verdict: "allowed" },
  { title: "a destination rule for the second source group", from: ["Api", "Alb"], to: ["Web"], port: 3000, verdict: "allowed" },
  { title: "neither destination group has the ingress", from: ["Api"], to: ["Extra", "Web"], port: 3000, verdict: ["ingress", "Extra", "Web"] },
  { title: "both sides lack a rule: egress is reported", from: ["Worker"], to: ["Web"], port: 3000, verdict: ["egress", "Worker"] },
  // What ecs-local cannot judge.
  { title: "no source groups", from: [], to: ["Api"], port: 5000, verdict: "allowed" },
  { title: "no destination groups", from: ["Api"], to: [], port: 3000, verdict: "allowed" },
  { title: "a destination group from outside the stack", from: ["Web"], to: ["sg-0999"], port: 1, verdict: "allowed" },
  { title: "a source group from outside the stack that the destination allows", from: ["sg-0123456789abcdef0"], to: ["Imported"], port: 9000, verdict: "allowed" },
  { title: "a source group from outside the stack that the destination does not allow", from: ["sg-0123456789abcdef0"], to: ["Api"], port: 5000, verdict: ["ingress", "Api"] },
];

describe("evaluateTcpConnection", () => {
  for (const { title, from, to, port, vpcCidrs, verdict } of cases) {
    const expected = verdict === "allowed" ? "allowed" : `blocked at ${verdict[0]}`;
    it(`${title}: [${from}] → [${to}] on ${port} is ${expected}`, () => {
      const result = evaluateTcpConnection(network(vpcCidrs), {
        from: end(...from),
        to: end(...to),
        port,
      });
      if (verdict === "allowed") {
        assert.deepEqual(result, { allowed: true });
        return;
      }
      assert.equal(result.allowed, false);
      if (result.allowed) return;
      const [direction, ...groupIds] = verdict;
      assert.equal(result.direction, direction);
      assert.deepEqual(result.missing, {
        groupIds,
        constructPaths: groupIds.map((id) => `Stack/${id}/Resource`),
      });
    });
  }

  it("says which ingress rule is missing and how to add one", () => {
    const result = evaluateTcpConnection(network(), {
      from: { name: "backend-service", securityGroupIds: ["Api"] },
      to: { name: "frontend-service", securityGroupIds: ["Web"] },
      port: 3000,
    });
    assert.equal(result.allowed, false);
    assert.equal(
      !result.allowed && result.message,
      "security groups block backend-service → frontend-service on tcp/3000: no ingress rule of Web (Stack/Web/Resource) allows it from Api or from a CIDR covering 10.0.0.0/16; if backend-service should reach frontend-service, add one in the CDK app (connections.allowFrom).",
    );
  });

  it("says which egress rule is missing, naming every group that could take it", () => {
    const result = evaluateTcpConnection(network([]), {
      from: { name: "worker", securityGroupIds: ["Worker", "VpcEgress"] },
      to: { name: "queue", securityGroupIds: ["Queue"] },
      port: 5672,
    });
    assert.equal(
      !result.allowed && result.message,
      "security groups block worker → queue on tcp/5672: no egress rule of Worker (Stack/Worker/Resource) or VpcEgress (Stack/VpcEgress/Resource) allows it to Queue or to 0.0.0.0/0; if worker should reach queue, add one in the CDK app (connections.allowTo).",
    );
  });
});

describe("connection ends", () => {
  const frontend = { ...service({ name: "frontend-service" }), securityGroupIds: ["Web"] };
  const backend = { ...service({ name: "backend-service" }), securityGroupIds: ["Api"] };
  const balancer: LoadBalancer = {
    origin: { logicalId: "Lb", constructPath: "Stack/LoadBalancer/Resource" },
    scheme: "internet-facing",
    securityGroupIds: ["Alb"],
    listeners: [],
  };

  it("names a service by its name and a load balancer by its construct", () => {
    assert.deepEqual(serviceEnd(frontend), {
      name: "frontend-service",
      securityGroupIds: ["Web"],
    });
    assert.deepEqual(loadBalancerEnd(balancer), {
      name: "Stack/LoadBalancer",
      securityGroupIds: ["Alb"],
    });
  });

  it("judges load balancer → target and client → server alike", () => {
    const judge = (from: ConnectionEnd, to: ConnectionEnd, port: number) =>
      evaluateTcpConnection(network(), { from, to, port }).allowed;
    assert.equal(judge(loadBalancerEnd(balancer), serviceEnd(frontend), 3000), true);
    assert.equal(judge(loadBalancerEnd(balancer), serviceEnd(backend), 5000), false);
    assert.equal(judge(serviceEnd(frontend), serviceEnd(backend), 5000), true);
    assert.equal(judge(serviceEnd(backend), serviceEnd(frontend), 3000), false);
  });
});
