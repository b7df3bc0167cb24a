/**
 * What ecs-local does with apps that go wrong: a failing health check, a crashing container,
 * a template that does not hold together. Each gets a clear, actionable outcome.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  CLI,
  cli,
  downAndVerify,
  processesUnder,
  UpProcess,
  waitUntil,
} from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const FAULTY_APP = fileURLToPath(new URL("./fixtures/faulty-app", import.meta.url));

function tempStateDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-faults-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("misbehaving services", { timeout: 300_000 }, () => {
  test("a failing health check gets the task replaced; a crash records its exit code", async (t) => {
    const { up, stateDir } = startRun(t, "ecs-local-faults-", ["--app", FAULTY_APP]);

    await up.waitFor(
      /sick-service: stopped task (\w+): task failed container health checks/,
      120_000,
    );
    await up.waitFor(/sick-service: started task \w+ \(0 of 1 running\)/, 30_000);
    await up.waitFor(
      /crash-service: stopped task \w+: Essential container in task exited \(crash: exit code 3\)/,
      60_000,
    );

    const ps = await cli(stateDir, ["ps"]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /STOPPED .*stopped: task failed container health checks/);
    assert.match(
      ps.stdout,
      /stopped: Essential container in task exited \(crash: exit code 3\)\s+exit crash=3/,
    );

    const logs = await cli(stateDir, ["logs", "crash"]);
    assert.match(logs.stdout, /^crash-service\/\w{8} crash \| cannot open config\.yaml$/m);

    // Repeated crashes back off instead of spinning.
    await up.waitFor(
      /crash-service: .*failed in a row|crash-service: started task \w+ \(0 of 1 running\)/,
      60_000,
    );

    await downAndVerify(up, stateDir);
  });

  test("a Service Connect port name the task lacks is refused, naming the construct", async (t) => {
    const { up, stateDir } = startRun(t, "ecs-local-faults-", [
      "--app",
      FAULTY_APP,
      "-c",
      "broken=true",
    ]);
    assert.equal(await up.exited, 1);
    assert.match(up.output, /FaultyStack\/SickService\/Service/);
    assert.match(up.output, /"http"/);
    assert.match(up.output, /sick/);
    assert.equal(processesUnder(stateDir).length, 0);
  });

  test("a folder without cdk.json is refused with what to do", async (t) => {
    const { up } = startRun(t, "ecs-local-faults-", ["--app", tmpdir()]);
    assert.equal(await up.exited, 1);
    assert.match(
      up.output,
      /has no cdk\.json\. Run ecs-local in a CDK app folder or pass --app <dir>/,
    );
  });

  test("verbs without a run say how to start one", async (t) => {
    const stateDir = tempStateDir(t);
    const ps = await cli(stateDir, ["ps"]);
    assert.equal(ps.code, 1);
    assert.match(ps.stderr, /No ecs-local run found in .*Start one with `ecs-local up`/);
  });
});

describe("a machine without user namespaces", () => {
  test("up exits non-zero saying why and what to do", async (t) => {
    // Stand in for a kernel that refuses unprivileged user namespaces: an `unshare` that fails
    // the way the real one does there. Disabling them for real would change the machine.
    const bin = mkdtempSync(join(tmpdir(), "ecs-local-no-userns-"));
    t.after(() => rmSync(bin, { recursive: true, force: true }));
    writeFileSync(
      join(bin, "unshare"),
      "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n",
    );
    chmodSync(join(bin, "unshare"), 0o755);
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, "--state-dir", join(bin, "state"), "up", "--app", FAULTY_APP],
        { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Cannot create unprivileged user namespaces/);
    assert.match(result.stderr, /Operation not permitted/);
    assert.match(result.stderr, /sysctl/);
    assert.match(result.stderr, /no mode without namespaces/);
  });
});

describe("a run whose control plane was killed outright", { timeout: 300_000 }, () => {
  test("the next up stops what it left behind", async (t) => {
    const first = startRun(t, "ecs-local-killed-", ["--app", FAULTY_APP]);
    // The calm service's task stays up (the sick and crashing ones come and go), so its
    // sidecar and container are there when the control plane dies.
    await first.up.waitFor(/calm-service: started task/, 120_000);
    await waitUntil(
      async () => {
        const ps = await cli(first.stateDir, ["ps"]);
        return /^calm-service {2}desired 1 {2}running 1/m.test(ps.stdout) ? true : undefined;
      },
      30_000,
      "the calm service's task running",
    );
    first.up.child.kill("SIGKILL");
    await first.up.exited;
    assert.ok(
      processesUnder(first.stateDir).length > 0,
      "containers outlive a killed control plane",
    );

    const second = new UpProcess(first.stateDir, ["--app", FAULTY_APP]);
    t.after(async () => {
      if (second.child.exitCode === null) {
        await cli(first.stateDir, ["down"], 120_000);
        await second.exited;
      }
    });
    await second.waitFor(/stopped \d+ process\(es\) an earlier run of .* left behind/, 60_000);
    await second.waitFor(/sick-service: started task/, 120_000);
    const down = await cli(first.stateDir, ["down"], 120_000);
    assert.equal(down.code, 0, down.stderr);
    await second.exited;
    await waitUntil(
      () => (processesUnder(first.stateDir).length === 0 ? true : undefined),
      10_000,
      "no leftover process",
    );
  });
});
