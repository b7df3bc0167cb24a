import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SecretsError } from "../errors.js";
import { parseSecretsFile, secretsFileTemplate } from "./secrets-file.js";

const FILE = "/app/.ecs-local/secrets.json";

/** Asserts a SecretsError naming the file, matching every part, and never showing `hidden`. */
function assertRejected(text: string, parts: readonly RegExp[], hidden = "s3cr3t") {
  assert.throws(
    () => parseSecretsFile(text, FILE),
    (error: unknown) => {
      assert.ok(error instanceof SecretsError, String(error));
      assert.equal(error.code, "ECS_LOCAL_SECRETS");
      assert.ok(error.message.includes(FILE), error.message);
      assert.ok(!error.message.includes(hidden), `the message shows a value: ${error.message}`);
      for (const part of parts) assert.match(error.message, part);
      return true;
    },
  );
}

describe("parseSecretsFile", () => {
  it("reads every section, taking numbers and booleans as text", () => {
    const file = parseSecretsFile(
      JSON.stringify({
        secretsmanager: {
          "prod/db": { username: "app", password: "pw" },
          "Stack/Key/Resource": "k",
        },
        ssm: { "/app/api-key": "abc", "/app/port": 5432, "/app/flag": true, "/later": null },
        s3: { "arn:aws:s3:::b/app.env": "A=1\nB=2", "arn:aws:s3:::b/o.env": { A: "1", N: 2 } },
      }),
      FILE,
    );
    assert.deepEqual(file, {
      secretsmanager: { "prod/db": { username: "app", password: "pw" }, "Stack/Key/Resource": "k" },
      ssm: { "/app/api-key": "abc", "/app/port": "5432", "/app/flag": "true", "/later": null },
      s3: { "arn:aws:s3:::b/app.env": "A=1\nB=2", "arn:aws:s3:::b/o.env": { A: "1", N: "2" } },
    });
  });

  it("takes absent or null sections as empty", () => {
    assert.deepEqual(parseSecretsFile('{"ssm": null}', FILE), {
      secretsmanager: {},
      ssm: {},
      s3: {},
    });
  });

  const rejected: readonly (readonly [string, string, readonly RegExp[]])[] = [
    [
      "text that is not JSON, with where, without quoting it",
      '{\n  "ssm": { "/a": "s3cr3t" x }\n}',
      [/not valid JSON/, /a syntax error|line 2/],
    ],
    [
      "a missing comma, with line and column",
      '{\n  "ssm": { "/a": "s3cr3t"\n "/b": "1" }\n}',
      [/Expected ',' or '}' after property value at line 3, column 2/],
    ],
    ["an empty file", "", [/it ends too early/]],
    ["a list", '["s3cr3t"]', [/holds a list; expected an object with the sections/]],
    ["an unknown section", '{"secrets": {"a": "s3cr3t"}}', [/"secrets" is not a section/]],
    ["a section that is not an object", '{"ssm": "s3cr3t"}', [/section "ssm" is a string/]],
    [
      "an SSM value that is an object",
      '{"ssm": {"/a": {"v": "s3cr3t"}}}',
      [/ssm "\/a" is an object; an SSM parameter's value is a string/],
    ],
    [
      "an S3 value that is a list",
      '{"s3": {"arn:aws:s3:::b/k": ["s3cr3t"]}}',
      [/s3 "arn:aws:s3:::b\/k" is a list; an environment file is a string/],
    ],
    [
      "an S3 variable that is an object",
      '{"s3": {"arn:aws:s3:::b/k": {"A": {"x": "s3cr3t"}}}}',
      [/s3 "arn:aws:s3:::b\/k" variable "A" is an object/],
    ],
    [
      "several problems at once",
      '{"extra": 1, "ssm": {"/a": ["s3cr3t"]}}',
      [/"extra" is not a section/, /ssm "\/a" is a list/],
    ],
  ];
  for (const [what, text, parts] of rejected) {
    it(`rejects ${what}`, () => assertRejected(text, parts));
  }
});

describe("secretsFileTemplate", () => {
  it("lists each needed key once with null values, JSON keys as object fields", () => {
    const text = secretsFileTemplate([
      { section: "secretsmanager", key: "prod/db", jsonKey: "password" },
      { section: "secretsmanager", key: "prod/db", jsonKey: "username" },
      { section: "secretsmanager", key: "Stack/Generated/Resource" },
      { section: "ssm", key: "/app/api-key" },
      { section: "s3", key: "arn:aws:s3:::b/app.env" },
    ]);
    assert.deepEqual(JSON.parse(text), {
      secretsmanager: {
        "prod/db": { password: null, username: null },
        "Stack/Generated/Resource": null,
      },
      ssm: { "/app/api-key": null },
      s3: { "arn:aws:s3:::b/app.env": null },
    });
    assert.ok(text.endsWith("}\n"));
  });

  it("keeps the fields when a secret is also read whole", () => {
    const text = secretsFileTemplate([
      { section: "secretsmanager", key: "prod/db", jsonKey: "password" },
      { section: "secretsmanager", key: "prod/db" },
    ]);
    assert.deepEqual(JSON.parse(text), { secretsmanager: { "prod/db": { password: null } } });
  });

  it("is a file parseSecretsFile accepts", () => {
    const text = secretsFileTemplate([{ section: "ssm", key: "/a" }]);
    assert.deepEqual(parseSecretsFile(text, FILE).ssm, { "/a": null });
  });
});
