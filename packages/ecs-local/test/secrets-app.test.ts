/**
 * Container secrets and environment files end to end: a CDK app whose one service reads a
 * generated Secrets Manager secret, two JSON keys of an imported one, an imported and an
 * in-stack SSM parameter, an environment file in S3 and one shipped as an asset. With a
 * secrets file every value reaches the container and none shows anywhere else; without one,
 * `up` stops before anything starts and says what to add.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { RunStatus } from "../src/api/control-plane-view.js";
import { dockerIdOf } from "../src/control/task-documents.js";
import { cli, downAndVerify, freePort, get, processesUnder } from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const SECRETS_APP = fileURLToPath(new URL("./fixtures/secrets-app", import.meta.url));
const TASK_DEFINITION = "SecretsApp/AppTask/Resource";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

function tempDir(t: { after: (fn: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A file under /proc, or "" when the process has gone or is not ours to read. */
function procFile(pid: number | string, name: string): string {
  try {
    return readFileSync(`/proc/${pid}/${name}`, "latin1");
  } catch {
    return "";
  }
}

describe("secrets and environment files", { timeout: 600_000 }, () => {
  test("without a secrets file, up stops before any task starts and writes a template", async (t) => {
    const stateDir = tempDir(t, "ecs-local-secrets-missing-");
    const port = await freePort();
    const result = await cli(
      stateDir,
      ["up", "--app", SECRETS_APP, "--listener-port", `80=${port}`],
      240_000,
    );
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    assert.doesNotMatch(result.stdout, /preparing image|starting services|started task/);
    assert.equal(existsSync(join(stateDir, "run", "state.json")), false);
    assert.equal(existsSync(join(stateDir, "run", "tasks")), false);
    assert.deepEqual(processesUnder(stateDir), []);

    const secretsFile = join(stateDir, "secrets.json");
    const message = result.stderr;
    assert.match(
      message,
      new RegExp(
        `5 secret value\\(s\\) the containers need are not in the secrets file ${secretsFile} \\(there is no such file\\), so nothing was started`,
      ),
    );
    for (const line of [
      `secretsmanager "SecretsApp/ApiToken/Resource" (defined in this stack, its value generated at deploy) → API_TOKEN of container "app" in ${TASK_DEFINITION}`,
      `secretsmanager "secrets-app/db" field "username" → DB_USER of container "app" in ${TASK_DEFINITION}`,
      `secretsmanager "secrets-app/db" field "password" → DB_PASSWORD of container "app" in ${TASK_DEFINITION}`,
      `ssm "/secrets-app/service-key" → SERVICE_KEY of container "app" in ${TASK_DEFINITION}`,
      `s3 "arn:aws:s3:::secrets-app-config/app.env" → an environment file of container "app" in ${TASK_DEFINITION}`,
    ]) {
      assert.ok(message.includes(`  - ${line}\n`), `missing line:\n${line}\nin:\n${message}`);
    }
    // The in-stack parameter's value is in the template: nothing to add for it.
    assert.doesNotMatch(message, /GREETING/);
    assert.ok(message.includes(`${secretsFile}.template lists every key this app needs`));

    assert.deepEqual(JSON.parse(readFileSync(`${secretsFile}.template`, "utf8")), {
      secretsmanager: {
        "SecretsApp/ApiToken/Resource": null,
        "secrets-app/db": { username: null, password: null },
      },
      ssm: { "/secrets-app/service-key": null },
      s3: { "arn:aws:s3:::secrets-app-config/app.env": null },
    });
  });

  test("with a secrets file, the service gets every value and none is shown elsewhere", async (t) => {
    const secretsDir = tempDir(t, "ecs-local-secrets-file-");
    // Fresh values each run, so a match anywhere can only be a leak.
    const values = {
      apiToken: `token-${randomUUID()}`,
      dbUser: `user-${randomUUID()}`,
      dbPassword: `password-${randomUUID()}`,
      serviceKey: `key-${randomUUID()}`,
      fromS3: `s3-${randomUUID()}`,
      sharedFromS3: `shared-${randomUUID()}`,
    };
    const secretsFile = join(secretsDir, "secrets.json");
    writeFileSync(
      secretsFile,
      JSON.stringify({
        secretsmanager: {
          "SecretsApp/ApiToken/Resource": values.apiToken,
          "secrets-app/db": { username: values.dbUser, password: values.dbPassword },
        },
        ssm: { "/secrets-app/service-key": values.serviceKey },
        s3: {
          "arn:aws:s3:::secrets-app-config/app.env": `# from the bucket\nFROM_S3=${values.fromS3}\nSHARED=${values.sharedFromS3}\nOVERRIDDEN=from-s3\n`,
        },
      }),
    );
    const port = await freePort();
    const { up, stateDir } = startRun(t, "ecs-local-secrets-", [
      "--app",
      SECRETS_APP,
      "--listener-port",
      `80=${port}`,
      "--secrets-file",
      secretsFile,
    ]);
    await up.waitFor(/all services healthy/, 240_000);
    assert.match(
      up.output,
      /secrets and environment files: 5 from .*secrets\.json, 1 from the template, 1 environment file\(s\) from the app's files/,
    );

    // The container saw every value, with ECS's precedence: the first environment file wins
    // over the second, `environment` over both.
    const digests = await get(`http://127.0.0.1:${port}/digests`);
    assert.equal(digests.status, 200);
    assert.deepEqual(JSON.parse(digests.body), {
      API_TOKEN: sha256(values.apiToken),
      DB_USER: sha256(values.dbUser),
      DB_PASSWORD: sha256(values.dbPassword),
      SERVICE_KEY: sha256(values.serviceKey),
      GREETING: sha256("hello from the template"),
      FROM_S3: sha256(values.fromS3),
      FROM_ASSET: sha256("asset-value"),
      SHARED: sha256(values.sharedFromS3),
      OVERRIDDEN: sha256("from-environment"),
      PLAIN: sha256("plain-value"),
    });

    // Everywhere a value could show: the CLI, the API, the task metadata endpoint, processes.
    const seen: [string, string][] = [];
    const ps = await cli(stateDir, ["ps"]);
    assert.equal(ps.code, 0, ps.stderr);
    seen.push(["ecs-local ps", ps.stdout + ps.stderr]);
    const logs = await cli(stateDir, ["logs"]);
    seen.push(["ecs-local logs", logs.stdout + logs.stderr]);
    const state = JSON.parse(readFileSync(join(stateDir, "run", "state.json"), "utf8"));
    const statusText = await (await fetch(`${state.apiUrl}/v1/status`)).text();
    seen.push(["/v1/status", statusText]);
    const status = JSON.parse(statusText) as RunStatus;
    const taskId = status.services[0]?.tasks[0]?.id;
    assert.ok(taskId, statusText);
    const dockerId = dockerIdOf(taskId, "app");
    for (const path of [`/v4/${dockerId}`, `/v4/${dockerId}/task`]) {
      const metadata = await cli(stateDir, [
        "exec",
        "app",
        "--",
        "curl",
        "-sf",
        `http://169.254.170.2${path}`,
      ]);
      assert.equal(metadata.code, 0, metadata.stderr);
      assert.match(metadata.stdout, new RegExp(taskId));
      seen.push([`metadata ${path}`, metadata.stdout]);
    }
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      seen.push([`argv of pid ${pid}`, procFile(pid, "cmdline")]);
    }
    // Only the container's own process has the values in its environment.
    const appPids: number[] = [];
    for (const pid of [...processesUnder(stateDir), up.child.pid ?? 0]) {
      const environ = procFile(pid, "environ");
      if (procFile(pid, "cmdline").startsWith("node\0server.js")) {
        assert.ok(environ.includes(values.dbPassword), "the container has DB_PASSWORD");
        appPids.push(pid);
      } else seen.push([`environment of pid ${pid}`, environ]);
    }
    assert.equal(appPids.length, 1, "one container process");

    await downAndVerify(up, stateDir);
    seen.push(["up's output", up.output]);
    // Every file the run wrote: logs (control plane, sidecar, container), config, cache.
    for (const file of filesUnder(stateDir)) seen.push([file, readFileSync(file, "latin1")]);
    assert.ok(seen.some(([where]) => where.endsWith("control-plane.log")));
    assert.ok(seen.some(([where]) => where.endsWith("ecs-service-connect.log")));

    for (const [where, text] of seen) {
      for (const [name, value] of Object.entries(values)) {
        assert.ok(!text.includes(value), `the value of ${name} shows in ${where}`);
      }
    }
  });
});
