import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createResolveContext } from "./intrinsics.js";
import { readSecurityGroups, readVpcCidrs } from "./read-security-groups.js";
import { type CfnResource, type CfnTemplate, originOf } from "./template.js";

const path = (id: string) => ({ "aws:cdk:path": `Test/${id}` });

function read(resources: Record<string, CfnResource>, extra: Partial<CfnTemplate> = {}) {
  const template: CfnTemplate = { ...extra, Resources: resources };
  const ctx = createResolveContext(template, { stackName: "Test" });
  const entries = Object.entries(resources).map(([logicalId, resource]) => ({
    logicalId,
    resource,
    origin: originOf(logicalId, resource),
  }));
  return { groups: readSecurityGroups(entries, ctx), vpcCidrs: readVpcCidrs(entries, ctx) };
}

const groupId = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "GroupId"] });

describe("readSecurityGroups rule origins", () => {
  const { groups } = read({
    Open: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: "inline ingress, AWS's default egress",
        SecurityGroupIngress: [
          { IpProtocol: "tcp", FromPort: 80, ToPort: 80, CidrIp: "0.0.0.0/0" },
        ],
      },
      Metadata: path("Open/Resource"),
    },
    Closed: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: "inline egress",
        SecurityGroupEgress: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIp: "0.0.0.0/0" },
        ],
      },
      Metadata: path("Closed/Resource"),
    },
    ClosedFromOpen: {
      Type: "AWS::EC2::SecurityGroupIngress",
      Properties: {
        GroupId: groupId("Closed"),
        IpProtocol: "tcp",
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: groupId("Open"),
      },
      Metadata: path("Closed/from Open:8080"),
    },
    OpenToClosed: {
      Type: "AWS::EC2::SecurityGroupEgress",
      Properties: {
        GroupId: groupId("Open"),
        IpProtocol: "tcp",
        FromPort: 8080,
        ToPort: 8080,
        DestinationSecurityGroupId: groupId("Closed"),
      },
      Metadata: path("Open/to Closed:8080"),
    },
  });
  const rulesOf = (id: string, direction: "ingress" | "egress") =>
    groups
      .find((g) => g.origin.logicalId === id)
      ?.[direction].map((rule) => [rule.origin.logicalId, rule.origin.constructPath, rule.peer]);

  it("gives an inline rule the group's origin", () => {
    assert.deepEqual(rulesOf("Open", "ingress"), [
      ["Open", "Test/Open/Resource", { cidr: "0.0.0.0/0" }],
    ]);
    assert.deepEqual(rulesOf("Closed", "egress")?.[0], [
      "Closed",
      "Test/Closed/Resource",
      { cidr: "0.0.0.0/0" },
    ]);
  });

  it("gives AWS's default egress the group's origin, before the standalone rules", () => {
    assert.deepEqual(rulesOf("Open", "egress"), [
      ["Open", "Test/Open/Resource", { cidr: "0.0.0.0/0" }],
      ["OpenToClosed", "Test/Open/to Closed:8080", { groupId: "Closed" }],
    ]);
  });

  it("gives a standalone rule its own origin", () => {
    assert.deepEqual(rulesOf("Closed", "ingress"), [
      ["ClosedFromOpen", "Test/Closed/from Open:8080", { groupId: "Open" }],
    ]);
  });
});

describe("readVpcCidrs", () => {
  it("reads each VPC's CidrBlock, resolved", () => {
    const { vpcCidrs } = read(
      {
        Vpc: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
        Other: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: { Ref: "OtherCidr" } } },
      },
      { Parameters: { OtherCidr: { Type: "String", Default: "172.16.0.0/16" } } },
    );
    assert.deepEqual(vpcCidrs, ["10.0.0.0/16", "172.16.0.0/16"]);
  });

  it("has none for a VPC whose range comes from an IPAM pool, nor without a VPC", () => {
    const ipam = read({
      Vpc: {
        Type: "AWS::EC2::VPC",
        Properties: { Ipv4IpamPoolId: "ipam-pool-0123", Ipv4NetmaskLength: 16 },
      },
    });
    assert.deepEqual(ipam.vpcCidrs, []);
    assert.deepEqual(read({}).vpcCidrs, []);
  });
});
