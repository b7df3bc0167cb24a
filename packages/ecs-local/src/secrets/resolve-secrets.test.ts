import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import type {
  ContainerDefinition,
  ContainerSecret,
  EnvironmentFileRef,
  Model,
  Origin,
  SecretReference,
} from "../model/types.js";
import { resolveSecrets, secretProblemsMessage } from "./resolve-secrets.js";
import { SecretValues } from "./secret-values.js";
import { EMPTY_SECRETS_FILE, type SecretsFile } from "./secrets-file.js";

const TASK: Origin = { logicalId: "TaskABC123", constructPath: "App/Task/Resource" };
const OTHER_TASK: Origin = { logicalId: "OtherDEF456", constructPath: "App/Other/Resource" };
const GENERATED: Origin = { logicalId: "GenXYZ", constructPath: "App/Generated/Resource" };

function container(
  name: string,
  secrets: readonly ContainerSecret[],
  environmentFiles: readonly EnvironmentFileRef[] = [],
  environment: Record<string, string> = {},
): ContainerDefinition {
  return {
    name,
    image: { kind: "registry", name: "node:20" },
    essential: true,
    portMappings: [],
    environment,
    dependsOn: [],
    stopTimeoutSeconds: 30,
    secrets,
    environmentFiles,
  };
}

function model(
  ...taskDefinitions: readonly (readonly [Origin, readonly ContainerDefinition[]])[]
): Model {
  return {
    stackName: "App",
    region: "local-1",
    accountId: "000000000000",
    clusters: [],
    namespaces: [],
    taskDefinitions: taskDefinitions.map(([origin, containers]) => ({
      origin,
      family: origin.logicalId,
      containers,
    })),
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

const secret = (name: string, reference: SecretReference): ContainerSecret => ({
  name,
  valueFrom: `valueFrom-of-${name}`,
  reference,
});
const sm = (key: string, extra: Partial<SecretReference> = {}): SecretReference => ({
  section: "secretsmanager",
  key,
  ...extra,
});
const ssm = (key: string, extra: Partial<SecretReference> = {}): SecretReference => ({
  section: "ssm",
  key,
  ...extra,
});
const s3 = (key: string): EnvironmentFileRef => ({ source: "s3", key, valueFrom: key });
const asset = (path: string): EnvironmentFileRef => ({ source: "asset", path, valueFrom: path });
const file = (content: Partial<SecretsFile>): SecretsFile => ({
  ...EMPTY_SECRETS_FILE,
  ...content,
});

describe("resolveSecrets: values", () => {
  const cases: readonly (readonly [string, SecretReference, Partial<SecretsFile>, string])[] = [
    ["a whole secret", sm("prod/db"), { secretsmanager: { "prod/db": "pw" } }, "pw"],
    [
      "a whole secret held as an object, as compact JSON",
      sm("prod/db"),
      { secretsmanager: { "prod/db": { username: "app", password: "pw" } } },
      '{"username":"app","password":"pw"}',
    ],
    [
      "a JSON key of an object",
      sm("prod/db", { jsonKey: "password" }),
      { secretsmanager: { "prod/db": { username: "app", password: "pw" } } },
      "pw",
    ],
    [
      "a JSON key of a string that parses as JSON",
      sm("prod/db", { jsonKey: "password" }),
      { secretsmanager: { "prod/db": '{"password":"pw"}' } },
      "pw",
    ],
    [
      "a JSON key whose field is not a string, as JSON",
      sm("prod/db", { jsonKey: "port" }),
      { secretsmanager: { "prod/db": { port: 5432 } } },
      "5432",
    ],
    [
      "a complete ARN's name by its short form",
      sm("prod/full-AbCdEf", { shortKey: "prod/full" }),
      { secretsmanager: { "prod/full": "short" } },
      "short",
    ],
    [
      "the exact name before the short form",
      sm("prod/full-AbCdEf", { shortKey: "prod/full" }),
      { secretsmanager: { "prod/full": "short", "prod/full-AbCdEf": "exact" } },
      "exact",
    ],
    [
      "the short form when the exact name is null",
      sm("prod/full-AbCdEf", { shortKey: "prod/full" }),
      { secretsmanager: { "prod/full": "short", "prod/full-AbCdEf": null } },
      "short",
    ],
    [
      "the template's value when the file has none",
      ssm("App/Param/Resource", { templateValue: "from template" }),
      {},
      "from template",
    ],
    [
      "the file's value over the template's",
      ssm("/named", { templateValue: "from template" }),
      { ssm: { "/named": "from file" } },
      "from file",
    ],
    [
      "a JSON key of a literal secret in the template",
      sm("app/literal", { jsonKey: "user", templateValue: '{"user":"admin"}' }),
      {},
      "admin",
    ],
    ["an SSM parameter", ssm("/app/api-key"), { ssm: { "/app/api-key": "k-1" } }, "k-1"],
    [
      "a version stage, which is ignored",
      sm("prod/db", { versionStage: "AWSPREVIOUS" }),
      { secretsmanager: { "prod/db": "current" } },
      "current",
    ],
  ];
  for (const [what, reference, content, expected] of cases) {
    it(what, () => {
      const resolution = resolveSecrets(
        model([TASK, [container("app", [secret("V", reference)])]]),
        file(content),
        new Map(),
      );
      assert.deepEqual(resolution.problems, []);
      assert.deepEqual(resolution.containers.get(TASK.logicalId)?.get("app")?.secrets, {
        V: expected,
      });
    });
  }
});

describe("resolveSecrets: environment files", () => {
  it("merges S3 text, S3 objects and assets in order, the first file winning", () => {
    const resolution = resolveSecrets(
      model([
        TASK,
        [
          container(
            "app",
            [],
            [s3("arn:aws:s3:::b/one.env"), asset("/app/local.env"), s3("arn:aws:s3:::b/two.env")],
          ),
        ],
      ]),
      file({
        s3: {
          "arn:aws:s3:::b/one.env": "# first\nA=one\nB=one\n",
          "arn:aws:s3:::b/two.env": { A: "two", C: "two" },
        },
      }),
      new Map([["/app/local.env", "B=asset\nD=asset\n"]]),
    );
    assert.deepEqual(resolution.problems, []);
    assert.deepEqual(resolution.containers.get(TASK.logicalId)?.get("app"), {
      fromFiles: { A: "one", B: "one", D: "asset", C: "two" },
      secrets: {},
    });
    assert.deepEqual(resolution.counts, { fromSecretsFile: 2, fromTemplate: 0, fromAssets: 1 });
  });
});

describe("resolveSecrets: problems", () => {
  const cases: readonly (readonly [
    string,
    SecretReference,
    Partial<SecretsFile>,
    Record<string, unknown>,
  ])[] = [
    ["an absent key", ssm("/a"), {}, { kind: "missing", section: "ssm", key: "/a" }],
    [
      "a null entry",
      ssm("/a"),
      { ssm: { "/a": null } },
      { kind: "missing", section: "ssm", key: "/a" },
    ],
    [
      "an absent field",
      sm("prod/db", { jsonKey: "password" }),
      { secretsmanager: { "prod/db": { username: "app" } } },
      { kind: "missing", section: "secretsmanager", key: "prod/db", jsonKey: "password" },
    ],
    [
      "a null field, as the template writes it",
      sm("prod/db", { jsonKey: "password" }),
      { secretsmanager: { "prod/db": { password: null } } },
      { kind: "missing", section: "secretsmanager", key: "prod/db", jsonKey: "password" },
    ],
    [
      "a JSON key of a value that is not a JSON object",
      sm("prod/db", { jsonKey: "password" }),
      { secretsmanager: { "prod/db": "plain text" } },
      {
        kind: "unusable",
        section: "secretsmanager",
        key: "prod/db",
        jsonKey: "password",
        reason: 'its value is not a JSON object, so its field "password" cannot be read',
      },
    ],
    [
      "a generated in-stack secret",
      sm(GENERATED.constructPath, { definedIn: GENERATED, generated: true }),
      {},
      {
        kind: "missing",
        section: "secretsmanager",
        key: GENERATED.constructPath,
        definedIn: GENERATED,
        generated: true,
      },
    ],
  ];
  for (const [what, reference, content, expected] of cases) {
    it(`reports ${what}`, () => {
      const resolution = resolveSecrets(
        model([TASK, [container("app", [secret("V", reference)])]]),
        file(content),
        new Map(),
      );
      assert.deepEqual(resolution.problems, [
        { ...expected, uses: [{ taskDefinition: TASK, container: "app", variable: "V" }] },
      ]);
    });
  }

  it("groups the uses of one key and lists every needed key once", () => {
    const resolution = resolveSecrets(
      model(
        [
          TASK,
          [
            container(
              "app",
              [secret("DB", sm("prod/db", { jsonKey: "password" })), secret("KEY", ssm("/k"))],
              [s3("arn:aws:s3:::b/app.env")],
            ),
          ],
        ],
        [
          OTHER_TASK,
          [
            container("worker", [
              secret("DB_PASSWORD", sm("prod/db", { jsonKey: "password" })),
              secret("FROM_TEMPLATE", ssm("App/P/Resource", { templateValue: "t" })),
            ]),
          ],
        ],
      ),
      file({ ssm: { "/k": "k" } }),
      new Map(),
    );
    assert.deepEqual(
      resolution.problems.map((p) => [p.section, p.key, p.uses.map((u) => u.variable ?? "file")]),
      [
        ["s3", "arn:aws:s3:::b/app.env", ["file"]],
        ["secretsmanager", "prod/db", ["DB", "DB_PASSWORD"]],
      ],
    );
    assert.deepEqual(resolution.needed, [
      { section: "s3", key: "arn:aws:s3:::b/app.env" },
      { section: "secretsmanager", key: "prod/db", jsonKey: "password" },
      { section: "ssm", key: "/k" },
    ]);
  });

  it("says every problem, where it is used and what to do, without a value", () => {
    const resolution = resolveSecrets(
      model([
        TASK,
        [
          container(
            "app",
            [
              secret("DB", sm("prod/db", { jsonKey: "password" })),
              secret("GEN", sm(GENERATED.constructPath, { definedIn: GENERATED, generated: true })),
              secret("BAD", sm("bad/json", { jsonKey: "x" })),
            ],
            [s3("arn:aws:s3:::b/app.env")],
          ),
        ],
      ]),
      file({ secretsmanager: { "bad/json": "hunter2" } }),
      new Map(),
    );
    const message = secretProblemsMessage(resolution.problems, {
      path: "/app/.ecs-local/secrets.json",
      exists: false,
      templateFile: "/app/.ecs-local/secrets.json.template",
    });
    assert.equal(
      message,
      [
        "3 secret value(s) the containers need are not in the secrets file /app/.ecs-local/secrets.json (there is no such file), so nothing was started:",
        '  - secretsmanager "prod/db" field "password" → DB of container "app" in App/Task/Resource',
        '  - secretsmanager "App/Generated/Resource" (defined in this stack, its value generated at deploy) → GEN of container "app" in App/Task/Resource',
        '  - s3 "arn:aws:s3:::b/app.env" → an environment file of container "app" in App/Task/Resource',
        "1 value(s) in the secrets file /app/.ecs-local/secrets.json cannot be used:",
        '  - secretsmanager "bad/json" field "x": its value is not a JSON object, so its field "x" cannot be read → BAD of container "app" in App/Task/Resource',
        "Add each one under its section and key in /app/.ecs-local/secrets.json, or pass another file with --secrets-file <path>. /app/.ecs-local/secrets.json.template lists every key this app needs, with null where a value goes: copy it to /app/.ecs-local/secrets.json and fill it in.",
        "Fix those entries in /app/.ecs-local/secrets.json.",
        'The format is in "Secrets and environment files" in the ecs-local README.',
      ].join("\n"),
    );
    assert.ok(!message.includes("hunter2"));
  });
});

describe("SecretValues", () => {
  const values = new SecretValues(
    new Map([
      [
        TASK.logicalId,
        new Map([
          [
            "app",
            {
              fromFiles: { A: "file", B: "file", C: "file" },
              secrets: { C: "secret", TOKEN: "hunter2" },
            },
          ],
        ]),
      ],
    ]),
    "summary",
  );

  it("builds the environment as ECS does: files < environment < secrets", () => {
    assert.deepEqual(
      values.environmentFor(TASK.logicalId, { name: "app", environment: { B: "env", C: "env" } }),
      { A: "file", B: "env", C: "secret", TOKEN: "hunter2" },
    );
  });

  it("gives a container without secrets its plain environment", () => {
    assert.deepEqual(
      SecretValues.none.environmentFor(TASK.logicalId, { name: "app", environment: { B: "env" } }),
      { B: "env" },
    );
  });

  it("shows no value when serialized or inspected", () => {
    for (const text of [JSON.stringify({ values }), inspect(values, { depth: 10 }), `${values}`]) {
      assert.ok(!text.includes("hunter2"), text);
    }
  });
});
