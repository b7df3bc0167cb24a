// Container secrets and environment files as CDK writes them: a stack synthesized in-process
// with aws-cdk-lib (asset staging off, as `cdk synth --no-staging` does), read back through
// the cloud assembly reader; then hand-written templates for the errors.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as cdk from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as rds from "aws-cdk-lib/aws-rds";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { pickStack, readCloudAssembly } from "../assembly/cloud-assembly.js";
import { TemplateError } from "../errors.js";
import { buildModel } from "./build-model.js";
import type { CfnTemplate } from "./template.js";
import type { ContainerDefinition, Model, SecretReference } from "./types.js";

/** Synthesizes a stack whose one container uses every kind of secret and environment file. */
function synthesizeSecretsStack(outdir: string, appDir: string): void {
  const app = new cdk.App({
    outdir,
    context: { "aws:cdk:enable-path-metadata": true, "aws:cdk:disable-asset-staging": true },
  });
  const stack = new cdk.Stack(app, "Secrets");
  const generated = new secretsmanager.Secret(stack, "Generated");
  const literal = new secretsmanager.Secret(stack, "Literal", {
    secretName: "app/literal",
    secretStringValue: cdk.SecretValue.unsafePlainText('{"user":"admin"}'),
  });
  const byName = secretsmanager.Secret.fromSecretNameV2(stack, "ByName", "prod/db");
  const byArn = secretsmanager.Secret.fromSecretCompleteArn(
    stack,
    "ByArn",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/full-AbCdEf",
  );
  const vpc = new ec2.Vpc(stack, "Vpc", { maxAzs: 2, natGateways: 0 });
  const database = new rds.DatabaseInstance(stack, "Db", {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
  });
  const pathParameter = ssm.StringParameter.fromStringParameterName(stack, "P1", "/app/api-key");
  const plainParameter = ssm.StringParameter.fromSecureStringParameterAttributes(stack, "P2", {
    parameterName: "plain",
  });
  const unnamed = new ssm.StringParameter(stack, "Unnamed", { stringValue: "in-stack value" });
  const named = new ssm.StringParameter(stack, "Named", {
    stringValue: "named value",
    parameterName: "/named/param",
  });
  const imported = s3.Bucket.fromBucketName(stack, "Imported", "my-bucket");
  const own = new s3.Bucket(stack, "Own", { bucketName: "own-bucket" });

  const task = new ecs.FargateTaskDefinition(stack, "Task");
  task.addContainer("app", {
    image: ecs.ContainerImage.fromRegistry("public.ecr.aws/docker/library/node:20"),
    environment: { PLAIN: "1" },
    secrets: {
      GENERATED: ecs.Secret.fromSecretsManager(generated),
      GENERATED_FIELD: ecs.Secret.fromSecretsManager(generated, "password"),
      LITERAL: ecs.Secret.fromSecretsManager(literal),
      LITERAL_FIELD: ecs.Secret.fromSecretsManager(literal, "user"),
      BY_NAME: ecs.Secret.fromSecretsManager(byName),
      BY_NAME_FIELD: ecs.Secret.fromSecretsManager(byName, "password"),
      BY_ARN: ecs.Secret.fromSecretsManager(byArn),
      BY_ARN_STAGE: ecs.Secret.fromSecretsManagerVersion(
        byArn,
        { versionStage: "AWSPREVIOUS" },
        "key",
      ),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(
        database.secret as secretsmanager.ISecret,
        "password",
      ),
      PATH_PARAMETER: ecs.Secret.fromSsmParameter(pathParameter),
      PLAIN_PARAMETER: ecs.Secret.fromSsmParameter(plainParameter),
      UNNAMED_PARAMETER: ecs.Secret.fromSsmParameter(unnamed),
      NAMED_PARAMETER: ecs.Secret.fromSsmParameter(named),
    },
    environmentFiles: [
      ecs.EnvironmentFile.fromBucket(imported, "config/app.env"),
      ecs.EnvironmentFile.fromBucket(own, "own.env"),
      ecs.EnvironmentFile.fromAsset(join(appDir, "local.env")),
    ],
  });
  app.synth();
}

describe("container secrets and environment files of a synthesized stack", {
  timeout: 120_000,
}, () => {
  let dir = "";
  let appDir = "";
  let model: Model;
  let container: ContainerDefinition;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ecs-local-secrets-model-"));
    appDir = join(dir, "app");
    await mkdir(appDir);
    await writeFile(join(appDir, "local.env"), "FROM_ASSET=1\n");
    synthesizeSecretsStack(join(dir, "cdk.out"), appDir);
    const stack = pickStack(readCloudAssembly(join(dir, "cdk.out")));
    model = buildModel(stack.template, {
      stackName: stack.stackName,
      imageAssets: stack.imageAssets,
      fileAssets: stack.fileAssets,
    });
    const found = model.taskDefinitions[0]?.containers[0];
    assert.ok(found);
    container = found;
  });
  after(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  const reference = (name: string): SecretReference => {
    const secret = container.secrets.find((s) => s.name === name);
    assert.ok(secret, `no secret ${name}`);
    return secret.reference;
  };
  /** The reference with an in-stack origin reduced to its construct path. */
  const summary = (name: string) => {
    const { definedIn, ...rest } = reference(name);
    return definedIn === undefined ? rest : { ...rest, definedIn: definedIn.constructPath };
  };

  const cases: readonly (readonly [string, Record<string, unknown>])[] = [
    [
      "GENERATED",
      {
        section: "secretsmanager",
        key: "Secrets/Generated/Resource",
        definedIn: "Secrets/Generated/Resource",
        generated: true,
      },
    ],
    [
      "GENERATED_FIELD",
      {
        section: "secretsmanager",
        key: "Secrets/Generated/Resource",
        jsonKey: "password",
        definedIn: "Secrets/Generated/Resource",
        generated: true,
      },
    ],
    [
      "LITERAL",
      {
        section: "secretsmanager",
        key: "app/literal",
        definedIn: "Secrets/Literal/Resource",
        templateValue: '{"user":"admin"}',
      },
    ],
    [
      "LITERAL_FIELD",
      {
        section: "secretsmanager",
        key: "app/literal",
        jsonKey: "user",
        definedIn: "Secrets/Literal/Resource",
        templateValue: '{"user":"admin"}',
      },
    ],
    ["BY_NAME", { section: "secretsmanager", key: "prod/db" }],
    ["BY_NAME_FIELD", { section: "secretsmanager", key: "prod/db", jsonKey: "password" }],
    ["BY_ARN", { section: "secretsmanager", key: "prod/full-AbCdEf", shortKey: "prod/full" }],
    [
      "BY_ARN_STAGE",
      {
        section: "secretsmanager",
        key: "prod/full-AbCdEf",
        shortKey: "prod/full",
        jsonKey: "key",
        versionStage: "AWSPREVIOUS",
      },
    ],
    [
      "DB_PASSWORD",
      {
        section: "secretsmanager",
        key: "Secrets/Db/Secret/Resource",
        jsonKey: "password",
        definedIn: "Secrets/Db/Secret/Resource",
        generated: true,
      },
    ],
    ["PATH_PARAMETER", { section: "ssm", key: "/app/api-key" }],
    ["PLAIN_PARAMETER", { section: "ssm", key: "plain" }],
    [
      "UNNAMED_PARAMETER",
      {
        section: "ssm",
        key: "Secrets/Unnamed/Resource",
        definedIn: "Secrets/Unnamed/Resource",
        templateValue: "in-stack value",
      },
    ],
    [
      "NAMED_PARAMETER",
      {
        section: "ssm",
        key: "/named/param",
        definedIn: "Secrets/Named/Resource",
        templateValue: "named value",
      },
    ],
  ];
  for (const [name, expected] of cases) {
    it(`reads ${name}`, () => {
      assert.deepEqual(summary(name), expected);
    });
  }

  it("keeps the secret order and the plain environment apart", () => {
    assert.deepEqual(
      container.secrets.map((s) => s.name),
      cases.map(([name]) => name),
    );
    assert.deepEqual(container.environment, { PLAIN: "1" });
  });

  it("reads S3 environment files by object ARN and an asset file by its local path", () => {
    assert.deepEqual(
      container.environmentFiles.map((f) =>
        f.source === "s3" ? { s3: f.key } : { asset: f.path },
      ),
      [
        { s3: "arn:aws:s3:::my-bucket/config/app.env" },
        { s3: "arn:aws:s3:::own-bucket/own.env" },
        { asset: join(appDir, "local.env") },
      ],
    );
  });

  it("counts the secrets and parameters containers read as emulated", () => {
    const types = model.notEmulated.map((n) => n.type);
    assert.ok(!types.includes("AWS::SSM::Parameter"), types.join(", "));
    assert.ok(!types.includes("AWS::SecretsManager::Secret"), types.join(", "));
  });
});

describe("container secrets and environment files: errors", () => {
  const template = (container: Record<string, unknown>, extra = {}): CfnTemplate => ({
    Resources: {
      Task: {
        Type: "AWS::ECS::TaskDefinition",
        Properties: {
          ContainerDefinitions: [{ Name: "app", Image: "node:20", ...container }],
        },
        Metadata: { "aws:cdk:path": "Test/Task/Resource" },
      },
      ...extra,
    },
  });
  const build = (t: CfnTemplate) => buildModel(t, { stackName: "Test" });
  const assertTemplateError = (t: CfnTemplate, ...parts: RegExp[]) =>
    assert.throws(
      () => build(t),
      (error: unknown) => {
        assert.ok(error instanceof TemplateError, String(error));
        assert.equal(error.constructPath, "Test/Task/Resource");
        for (const part of parts) assert.match(error.message, part);
        return true;
      },
    );

  const cases: readonly (readonly [string, CfnTemplate, readonly RegExp[]])[] = [
    [
      "a ValueFrom that is neither a secret nor a parameter",
      template({ Secrets: [{ Name: "K", ValueFrom: "arn:aws:kms:us-east-1:1:key/abc" }] }),
      [/Secrets\[0\]\.ValueFrom is "arn:aws:kms/, /fromSecretsManager or .*fromSsmParameter/],
    ],
    [
      "a Ref to a resource that holds no secret",
      template(
        { Secrets: [{ Name: "K", ValueFrom: { Ref: "Queue" } }] },
        { Queue: { Type: "AWS::SQS::Queue", Metadata: { "aws:cdk:path": "Test/Queue/Resource" } } },
      ),
      [/refers to Test\/Queue\/Resource, a AWS::SQS::Queue/],
    ],
    [
      "an environment file that is not in S3",
      template({ EnvironmentFiles: [{ Type: "local", Value: "x.env" }] }),
      [/EnvironmentFiles\[0\]\.Type is "local"; ECS supports only "s3"/],
    ],
    [
      "an environment file whose Value is not an S3 object ARN",
      template({ EnvironmentFiles: [{ Type: "s3", Value: "s3://bucket/x.env" }] }),
      [/EnvironmentFiles\[0\]\.Value is "s3:\/\/bucket\/x\.env"; expected the ARN of an S3 object/],
    ],
    [
      "a secret without a name",
      template({ Secrets: [{ ValueFrom: "/p" }] }),
      [/has no container "app" Secrets\[0\]\.Name/],
    ],
  ];
  for (const [what, t, parts] of cases) {
    it(`rejects ${what}, naming the task definition`, () => assertTemplateError(t, ...parts));
  }

  it("takes a bare ValueFrom as an SSM parameter name, as ECS does", () => {
    const model = build(template({ Secrets: [{ Name: "K", ValueFrom: "/app/key" }] }));
    assert.deepEqual(model.taskDefinitions[0]?.containers[0]?.secrets, [
      { name: "K", valueFrom: "/app/key", reference: { section: "ssm", key: "/app/key" } },
    ]);
  });

  it("asks the secrets file for an in-stack value the template cannot give locally", () => {
    const model = build(
      template(
        { Secrets: [{ Name: "K", ValueFrom: { Ref: "Param" } }] },
        {
          Param: {
            Type: "AWS::SSM::Parameter",
            Properties: { Type: "String", Value: { "Fn::ImportValue": "Elsewhere" } },
            Metadata: { "aws:cdk:path": "Test/Param/Resource" },
          },
        },
      ),
    );
    const reference = model.taskDefinitions[0]?.containers[0]?.secrets[0]?.reference;
    assert.equal(reference?.key, "Test/Param/Resource");
    assert.equal(reference?.templateValue, undefined);
  });

  it("has no secrets or environment files when the container declares none", () => {
    const [container] = build(template({})).taskDefinitions[0]?.containers ?? [];
    assert.deepEqual(container?.secrets, []);
    assert.deepEqual(container?.environmentFiles, []);
  });
});
