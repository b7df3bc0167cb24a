/**
 * Resource accounting and limits end to end: a CDK app whose container allocates past its
 * 512 MiB task is OOM-killed as ECS reports it; a run's cgroups go with `down`, and those of a
 * run killed outright go with the next `up`; without cgroups `up` says so once.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type CgroupHierarchy, rootsOf } from "../src/sandbox/cgroup-tree.js";
import { resourceAccounting, runGroup, runGroupDirs } from "../src/sandbox/task-resources.js";
import {
  cli,
  downAndVerify,
  processesUnder,
  SOURCE_CLI,
  UpProcess,
  waitUntil,
} from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const MEMORY_APP = fileURLToPath(new URL("./fixtures/memory-app", import.meta.url));

function hierarchy(): CgroupHierarchy {
  const { hierarchy, notice } = resourceAccounting();
  assert.ok(hierarchy, `this machine should have usable cgroups: ${notice}`);
  return hierarchy;
}

/** The task groups of a run, in every hierarchy (`<root>/ecs-local/run-…/<task id>`). */
function taskGroups(stateDir: string, h: CgroupHierarchy): string[] {
  return rootsOf(h).flatMap((root) => {
    try {
      return readdirSync(join(root, runGroup(join(stateDir, "run"))), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  });
}

async function steadyRunning(stateDir: string): Promise<string> {
  return waitUntil(
    async () => {
      const ps = await cli(stateDir, ["ps"]);
      return /^steady-service {2}desired 1 {2}running 1/m.test(ps.stdout) ? ps.stdout : undefined;
    },
    60_000,
    "the steady service's task running",
  );
}

describe("resources: limits and accounting", { timeout: 300_000 }, () => {
  test("a task past its memory is OOM-killed: ECS's stopped reason and exit code 137", async (t) => {
    const h = hierarchy();
    const { up, stateDir } = startRun(t, "ecs-local-memory-", ["--app", MEMORY_APP]);
    await up.waitFor(
      /hungry-service: stopped task \w+: OutOfMemoryError: Container killed due to memory usage/,
      180_000,
    );
    const ps = await cli(stateDir, ["ps"]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(
      ps.stdout,
      new RegExp(`^resources: cgroup ${h.version} \\(limits enforced\\)$`, "m"),
    );
    assert.match(
      ps.stdout,
      /STOPPED .*stopped: OutOfMemoryError: Container killed due to memory usage {2}exit hungry=137$/m,
    );
    assert.doesNotMatch(up.output, /no cgroups/);
    await steadyRunning(stateDir);
    assert.ok(runGroupDirs(join(stateDir, "run"), h).length > 0, "the run has its groups");

    await downAndVerify(up, stateDir);
    assert.deepEqual(runGroupDirs(join(stateDir, "run"), h), [], "no cgroup of the run remains");
  });

  test("the cgroups of a run killed outright are removed by the next up", async (t) => {
    const h = hierarchy();
    const first = startRun(t, "ecs-local-memory-killed-", ["--app", MEMORY_APP]);
    await first.up.waitFor(/steady-service: started task/, 180_000);
    await steadyRunning(first.stateDir);
    const left = taskGroups(first.stateDir, h);
    first.up.child.kill("SIGKILL");
    await first.up.exited;
    assert.ok(left.length > 0, "a killed control plane leaves its task groups");
    assert.deepEqual(taskGroups(first.stateDir, h), left);

    const second = new UpProcess(first.stateDir, ["--app", MEMORY_APP]);
    t.after(async () => {
      if (second.child.exitCode === null) {
        await cli(first.stateDir, ["down"], 120_000);
        await second.exited;
      }
    });
    await second.waitFor(/steady-service: started task/, 120_000);
    const now = taskGroups(first.stateDir, h);
    for (const group of new Set(left)) {
      assert.ok(!now.includes(group), `the earlier run's group ${group} is gone`);
    }
    await downAndVerify(second, first.stateDir);
    assert.deepEqual(runGroupDirs(join(first.stateDir, "run"), h), []);
  });

  test("without cgroups, up says so once, ps says /proc sums, and nothing is killed", async (t) => {
    const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-memory-off-"));
    const up = new UpProcess(stateDir, ["--app", MEMORY_APP], {
      ...SOURCE_CLI,
      env: { ...process.env, ECS_LOCAL_CGROUPS: "off" },
    });
    t.after(async () => {
      if (up.child.exitCode === null) {
        await cli(stateDir, ["down"], 120_000);
        await up.exited;
      }
      rmSync(stateDir, { recursive: true, force: true });
    });
    await up.waitFor(/all services healthy/, 180_000);
    const notice =
      "no cgroups: turned off by ECS_LOCAL_CGROUPS=off; usage comes from /proc sums and limits are not enforced";
    assert.equal(up.output.split(notice).length - 1, 1, `said once:\n${up.output}`);
    // 768 MiB held in a 512 MiB task: nothing enforces the limit.
    await waitUntil(
      async () => {
        const logs = await cli(stateDir, ["logs", "hungry"]);
        return /holding 768 MiB/.test(logs.stdout) ? true : undefined;
      },
      30_000,
      "the hungry container holding 768 MiB",
    );
    const ps = await cli(stateDir, ["ps"]);
    assert.match(ps.stdout, /^resources: \/proc sums \(no limits\)$/m);
    assert.match(ps.stdout, /^hungry-service {2}desired 1 {2}running 1/m);
    assert.doesNotMatch(ps.stdout, /OutOfMemoryError/);
    await downAndVerify(up, stateDir);
    assert.equal(processesUnder(stateDir).length, 0);
  });
});
