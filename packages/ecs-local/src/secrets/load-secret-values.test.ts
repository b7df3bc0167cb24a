// The I/O edge with real files in a temporary folder.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SecretsError } from "../errors.js";
import type { ContainerDefinition, Model } from "../model/types.js";
import { loadSecretValues } from "./load-secret-values.js";
import { SecretValues } from "./secret-values.js";

const TASK = { logicalId: "TaskABC123", constructPath: "App/Task/Resource" };

function modelOf(container: Partial<ContainerDefinition>): Model {
  return {
    stackName: "App",
    region: "local-1",
    accountId: "000000000000",
    clusters: [],
    namespaces: [],
    taskDefinitions: [
      {
        origin: TASK,
        family: "app",
        containers: [
          {
            name: "app",
            image: { kind: "registry", name: "node:20" },
            essential: true,
            portMappings: [],
            environment: {},
            dependsOn: [],
            stopTimeoutSeconds: 30,
            secrets: [],
            environmentFiles: [],
            ...container,
          },
        ],
      },
    ],
    services: [],
    loadBalancers: [],
    targetGroups: [],
    scaling: [],
    securityGroups: [],
    vpcCidrs: [],
    notEmulated: [],
    notEmulatedFeatures: [],
  };
}

describe("loadSecretValues", () => {
  let dir = "";
  let assetPath = "";
  let model: Model;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ecs-local-secrets-"));
    assetPath = join(dir, "local.env");
    await writeFile(assetPath, "FROM_ASSET=asset-value\n");
    model = modelOf({
      secrets: [
        {
          name: "DB_PASSWORD",
          valueFrom: "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db:password::",
          reference: { section: "secretsmanager", key: "prod/db", jsonKey: "password" },
        },
        {
          name: "API_KEY",
          valueFrom: "arn:aws:ssm:us-east-1:000000000000:parameter/app/api-key",
          reference: { section: "ssm", key: "/app/api-key" },
        },
      ],
      environmentFiles: [
        { source: "s3", key: "arn:aws:s3:::b/app.env", valueFrom: "arn:aws:s3:::b/app.env" },
        { source: "asset", path: assetPath, valueFrom: "arn:aws:s3:::cdk-assets/x.env" },
      ],
    });
  });
  after(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("does not look for the file when no container has secrets", async () => {
    const values = await loadSecretValues({
      model: modelOf({}),
      secretsFile: join(dir, "absent.json"),
    });
    assert.equal(values, SecretValues.none);
  });

  it("stops with every missing key and writes a template without values", async () => {
    const secretsFile = join(dir, "partial.json");
    await writeFile(secretsFile, JSON.stringify({ ssm: { "/app/api-key": "hunter2" } }));
    const error = await loadSecretValues({ model, secretsFile }).then(
      () => assert.fail("expected a SecretsError"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SecretsError, String(error));
    assert.equal(error.templateFile, `${secretsFile}.template`);
    assert.match(error.message, /2 secret value\(s\) the containers need are not in/);
    assert.match(error.message, /secretsmanager "prod\/db" field "password" → DB_PASSWORD/);
    assert.match(error.message, /s3 "arn:aws:s3:::b\/app\.env" → an environment file/);
    assert.ok(!error.message.includes("hunter2"));
    const template = await readFile(`${secretsFile}.template`, "utf8");
    assert.deepEqual(JSON.parse(template), {
      secretsmanager: { "prod/db": { password: null } },
      ssm: { "/app/api-key": null },
      s3: { "arn:aws:s3:::b/app.env": null },
    });
  });

  it("says the file does not exist when it is absent", async () => {
    await assert.rejects(
      loadSecretValues({ model, secretsFile: join(dir, "none", "secrets.json") }),
      (error: unknown) =>
        error instanceof SecretsError && /\(there is no such file\)/.test(error.message),
    );
  });

  it("resolves a complete file and sums up without values", async () => {
    const secretsFile = join(dir, "secrets.json");
    await writeFile(
      secretsFile,
      JSON.stringify({
        secretsmanager: { "prod/db": { password: "pw-value" } },
        ssm: { "/app/api-key": "key-value" },
        s3: { "arn:aws:s3:::b/app.env": "FROM_S3=s3-value\n" },
      }),
    );
    const values = await loadSecretValues({ model, secretsFile });
    assert.deepEqual(values.environmentFor(TASK.logicalId, { name: "app", environment: {} }), {
      FROM_S3: "s3-value",
      FROM_ASSET: "asset-value",
      DB_PASSWORD: "pw-value",
      API_KEY: "key-value",
    });
    assert.equal(
      values.summary,
      `▸ secrets and environment files: 3 from ${secretsFile}, 1 environment file(s) from the app's files (values are never shown)`,
    );
  });

  it("names the file and the problem when the file is malformed", async () => {
    const secretsFile = join(dir, "broken.json");
    await writeFile(secretsFile, '{"ssm": {"/app/api-key": "hunter2" "x"}}');
    await assert.rejects(loadSecretValues({ model, secretsFile }), (error: unknown) => {
      assert.ok(error instanceof SecretsError);
      assert.ok(error.message.includes(secretsFile), error.message);
      assert.match(error.message, /not valid JSON \(Expected ',' or '}' after property value/);
      assert.ok(!error.message.includes("hunter2"), error.message);
      return true;
    });
  });

  it("names the container and the path when an asset environment file is gone", async () => {
    const gone = modelOf({
      environmentFiles: [
        { source: "asset", path: join(dir, "gone.env"), valueFrom: "arn:aws:s3:::a/gone.env" },
      ],
    });
    await assert.rejects(
      loadSecretValues({ model: gone, secretsFile: join(dir, "secrets.json") }),
      (error: unknown) =>
        error instanceof SecretsError &&
        error.message.includes(join(dir, "gone.env")) &&
        /container "app" in App\/Task\/Resource cannot be read \(ENOENT\)/.test(error.message),
    );
  });
});
