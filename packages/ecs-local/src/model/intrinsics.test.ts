// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Fn::Sub bodies, whose ${…} is CloudFormation syntax
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TemplateError } from "../errors.js";
import {
  createResolveContext,
  evaluateCondition,
  referencedLogicalId,
  resolve,
  resolveLogicalId,
} from "./intrinsics.js";
import type { CfnTemplate } from "./template.js";

const template: CfnTemplate = {
  Parameters: {
    Env: { Type: "String", Default: "dev" },
    Zones: { Type: "CommaDelimitedList", Default: "a, b" },
    NoDefault: { Type: "String" },
    FromSsm: { Type: "AWS::SSM::Parameter::Value<String>", Default: "/my/param" },
  },
  Mappings: { Sizes: { dev: { Cpu: "256" } } },
  Conditions: {
    IsDev: { "Fn::Equals": [{ Ref: "Env" }, "dev"] },
    IsProd: { "Fn::Not": [{ Condition: "IsDev" }] },
    Both: { "Fn::And": [{ Condition: "IsDev" }, { "Fn::Equals": ["1", 1] }] },
    Either: { "Fn::Or": [{ Condition: "IsProd" }, { Condition: "IsDev" }] },
    Loop: { "Fn::Not": [{ Condition: "Loop" }] },
  },
  Resources: {
    Svc: {
      Type: "AWS::ECS::Service",
      Properties: { ServiceName: "my-service" },
      Metadata: { "aws:cdk:path": "Stack/Svc/Service" },
    },
    Unnamed: { Type: "AWS::ECS::Service", Properties: {} },
    Group: { Type: "AWS::EC2::SecurityGroup", Properties: {} },
  },
};
const ctx = createResolveContext(template, { stackName: "MyStack" });
const origin = { logicalId: "Reader", constructPath: "MyStack/Reader/Resource" };
const r = (value: unknown) => resolve(value, ctx, origin);

/** Asserts a TemplateError whose message names the construct path and contains `parts`. */
function assertTemplateError(fn: () => unknown, ...parts: RegExp[]) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TemplateError, String(error));
    assert.match(error.message, /MyStack\/Reader\/Resource/);
    for (const part of parts) assert.match(error.message, part);
    return true;
  });
}

describe("resolve", () => {
  it("resolves pseudo parameters to local defaults", () => {
    assert.deepEqual(
      r([
        { Ref: "AWS::Region" },
        { Ref: "AWS::AccountId" },
        { Ref: "AWS::Partition" },
        { Ref: "AWS::URLSuffix" },
        { Ref: "AWS::StackName" },
      ]),
      ["local-1", "000000000000", "aws", "amazonaws.com", "MyStack"],
    );
  });

  it("resolves Ref to parameters (defaults and given values) and resources", () => {
    assert.equal(r({ Ref: "Env" }), "dev");
    assert.deepEqual(r({ Ref: "Zones" }), ["a", "b"]);
    assert.equal(r({ Ref: "Svc" }), "Svc");
    const given = createResolveContext(template, {
      stackName: "S",
      parameterValues: { Env: "prod" },
    });
    assert.equal(resolve({ Ref: "Env" }, given, origin), "prod");
  });

  it("resolves Fn::GetAtt to symbolic values", () => {
    assert.equal(r({ "Fn::GetAtt": ["Svc", "Arn"] }), "arn:aws:local:::Svc");
    assert.equal(r({ "Fn::GetAtt": ["Svc", "Name"] }), "my-service");
    assert.equal(r({ "Fn::GetAtt": "Unnamed.Name" }), "Unnamed");
    assert.equal(r({ "Fn::GetAtt": ["Group", "GroupId"] }), "Group");
  });

  it("resolves Fn::Join, Fn::Select and Fn::Split", () => {
    assert.equal(
      r({ "Fn::Join": ["", ["service/", { Ref: "Svc" }, "/", { "Fn::GetAtt": ["Svc", "Name"] }]] }),
      "service/Svc/my-service",
    );
    assert.equal(r({ "Fn::Select": [1, { "Fn::Split": [",", "x,y,z"] }] }), "y");
    assert.equal(r({ "Fn::Select": ["0", { Ref: "Zones" }] }), "a");
    assert.equal(
      r({ "Fn::Join": ["-", { "Fn::Split": ["/", { "Fn::Join": ["/", ["a", 2]] }] }] }),
      "a-2",
    );
  });

  it("resolves Fn::Sub in both forms, with escapes", () => {
    assert.equal(
      r({ "Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/repo:tag" }),
      "000000000000.dkr.ecr.local-1.amazonaws.com/repo:tag",
    );
    assert.equal(
      r({ "Fn::Sub": "${Svc}|${Svc.Arn}|${Env}|${!Literal}" }),
      "Svc|arn:aws:local:::Svc|dev|${Literal}",
    );
    assert.equal(
      r({
        "Fn::Sub": [
          "http://${Host}:${Port}",
          { Host: { "Fn::GetAtt": ["Svc", "Name"] }, Port: 80 },
        ],
      }),
      "http://my-service:80",
    );
  });

  it("resolves Fn::If, conditions and AWS::NoValue", () => {
    assert.equal(r({ "Fn::If": ["IsDev", "small", "large"] }), "small");
    assert.equal(r({ "Fn::If": ["IsProd", "large", "small"] }), "small");
    assert.deepEqual(r({ A: 1, B: { "Fn::If": ["IsProd", 2, { Ref: "AWS::NoValue" }] } }), {
      A: 1,
    });
    assert.deepEqual(r(["x", { "Fn::If": ["IsDev", { Ref: "AWS::NoValue" }, "y"] }]), ["x"]);
    assert.equal(evaluateCondition("Both", ctx, origin), true);
    assert.equal(evaluateCondition("Either", ctx, origin), true);
    assert.equal(r({ "Fn::FindInMap": ["Sizes", { Ref: "Env" }, "Cpu"] }), "256");
  });

  it("rejects Fn::ImportValue with a clear error", () => {
    assertTemplateError(
      () => r({ "Fn::ImportValue": "SharedVpcId" }),
      /Fn::ImportValue "SharedVpcId"/,
      /another stack/,
      /parameter with a default/,
    );
  });

  it("explains other unresolvable values", () => {
    assertTemplateError(() => r({ Ref: "Nope" }), /"Nope"/, /Fix the reference/);
    assertTemplateError(
      () => r({ Ref: "NoDefault" }),
      /no default/,
      /Give parameter NoDefault a default/,
    );
    assertTemplateError(() => r({ Ref: "FromSsm" }), /\/my\/param/, /SSM/);
    assertTemplateError(() => r({ "Fn::Select": [5, ["a"]] }), /outside the list/, /Use an index/);
    assertTemplateError(
      () => r({ "Fn::Cidr": ["10.0.0.0/16", 2, 8] }),
      /Fn::Cidr/,
      /ecs-local resolves Ref/,
    );
    assertTemplateError(
      () => evaluateCondition("Loop", ctx, origin),
      /refers back to itself/,
      /Break the loop/,
    );
  });
});

describe("referencedLogicalId", () => {
  it("reads Ref and both Fn::GetAtt forms", () => {
    assert.equal(referencedLogicalId({ Ref: "Svc" }), "Svc");
    assert.equal(referencedLogicalId({ "Fn::GetAtt": ["Svc", "Arn"] }), "Svc");
    assert.equal(referencedLogicalId({ "Fn::GetAtt": "Svc.Arn" }), "Svc");
    assert.equal(referencedLogicalId({ Ref: "AWS::Region" }), undefined);
    assert.equal(referencedLogicalId("Svc"), undefined);
    assert.equal(referencedLogicalId({ Ref: "Svc", Other: 1 }), undefined);
  });

  it("follows intrinsics to a resource when resolving", () => {
    assert.equal(
      resolveLogicalId(
        { "Fn::If": ["IsDev", { "Fn::GetAtt": ["Group", "Arn"] }, "x"] },
        ctx,
        origin,
      ),
      "Group",
    );
    assert.equal(resolveLogicalId("sg-123", ctx, origin), undefined);
    assert.equal(resolveLogicalId({ Ref: "Env" }, ctx, origin), undefined);
  });
});
