/**
 * Task resources on this machine's real cgroups (root on cgroup v1 or v2), with real processes:
 * the layout, the limits, the figures, OOM kills, leftovers, and the /proc fallback.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { placedInCgroups } from "./cgroup-placement.js";
import {
  type CgroupHierarchy,
  groupPids,
  makeGroup,
  procsFiles,
  removeGroup,
  rootsOf,
} from "./cgroup-tree.js";
import { parseCgroupMounts } from "./cgroups.js";
import { isRunning } from "./procs.js";
import {
  AGENT_GROUP,
  accountingFor,
  resourceAccounting,
  runGroup,
  runGroupDirs,
  runResources,
} from "./task-resources.js";

const MiB = 1024 * 1024;

function hierarchy(): CgroupHierarchy {
  const { hierarchy, notice } = resourceAccounting();
  assert.ok(hierarchy, `this machine should have usable cgroups: ${notice}`);
  return hierarchy;
}

function tempRunDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-resources-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts `node -e script` in the given groups; resolves once it prints "ready". */
async function startNode(
  t: { after: (fn: () => void) => void },
  procs: readonly string[],
  script: string,
): Promise<ChildProcess> {
  const argv = placedInCgroups(procs, [process.execPath, "-e", script]);
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => {
    child.kill("SIGKILL");
  });
  let said = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    said += chunk;
  });
  const exited = once(child, "exit");
  while (!said.includes("ready")) {
    const done = await Promise.race([exited.then(() => true), sleep(20).then(() => false)]);
    if (done) throw new Error(`the process exited before it was ready: ${said}`);
  }
  return child;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const IDLE = "console.log('ready'); setInterval(() => {}, 1000);";
// Touches every page, so the memory is resident and charged, not merely reserved.
const HOLD_64_MIB =
  "globalThis.held = Buffer.alloc(64 * 1024 * 1024, 7); console.log('ready'); setInterval(() => {}, 1000);";
const BUSY = "console.log('ready'); for (;;) {}";

function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), "utf8").trim();
}

test("a task's group carries the task's limits, a container's group its own", async (t) => {
  const h = hierarchy();
  const runDir = tempRunDir(t);
  const run = runResources({ runDir });
  assert.equal(run.accounting.label, `cgroup ${h.version} (limits enforced)`);
  const task = await run.openTask("task1", { memoryMiB: 512, cpuUnits: 256 });
  t.after(() => task.release());
  const procs = task.enter("app", { memoryMiB: 128 });
  task.enter(AGENT_GROUP);
  const taskDir = (root: string) => join(root, runGroup(runDir), "task1");
  assert.deepEqual(procs, procsFiles(h, `${runGroup(runDir)}/task1/app`));
  for (const root of rootsOf(h)) {
    assert.ok(existsSync(join(taskDir(root), "app")), `app group under ${root}`);
    assert.ok(existsSync(join(taskDir(root), AGENT_GROUP)), `agent group under ${root}`);
  }
  if (h.version === "v1") {
    assert.equal(read(taskDir(h.memory), "memory.limit_in_bytes"), String(512 * MiB));
    assert.equal(read(join(taskDir(h.memory), "app"), "memory.limit_in_bytes"), String(128 * MiB));
    if (existsSync(join(taskDir(h.memory), "memory.memsw.limit_in_bytes"))) {
      assert.equal(read(taskDir(h.memory), "memory.memsw.limit_in_bytes"), String(512 * MiB));
    }
    // The CPU quota waits until the task is ready, so it starts at full speed.
    assert.equal(read(taskDir(h.cpu), "cpu.cfs_quota_us"), "-1");
    task.limitCpu();
    assert.equal(read(taskDir(h.cpu), "cpu.cfs_period_us"), "100000");
    assert.equal(read(taskDir(h.cpu), "cpu.cfs_quota_us"), "25000");
  } else {
    assert.equal(read(taskDir(h.memory), "memory.max"), String(512 * MiB));
    assert.equal(read(join(taskDir(h.memory), "app"), "memory.max"), String(128 * MiB));
    assert.match(read(taskDir(h.cpu), "cpu.max"), /^max /);
    task.limitCpu();
    assert.equal(read(taskDir(h.cpu), "cpu.max"), "25000 100000");
  }

  await task.release();
  assert.deepEqual(runGroupDirs(runDir, h), [], "the run's group goes with its last task");
});

test("memory held and CPU burnt show in the task's and the container's figures", async (t) => {
  const runDir = tempRunDir(t);
  const run = runResources({ runDir });
  const idle = await run.openTask("idle", {});
  const hog = await run.openTask("hog", {});
  t.after(() => Promise.all([idle.release(), hog.release()]));
  await startNode(t, idle.enter("app"), IDLE);
  await startNode(t, hog.enter("app"), HOLD_64_MIB);
  const busy = await startNode(t, hog.enter(AGENT_GROUP), BUSY);

  const idleUsed = idle.usage([])?.memoryBytes ?? Number.NaN;
  const hogUsed = hog.usage([])?.memoryBytes ?? Number.NaN;
  assert.ok(
    hogUsed - idleUsed >= 64 * MiB,
    `the task holding 64 MiB uses ${(hogUsed / MiB).toFixed(1)} MiB, the idle one ${(idleUsed / MiB).toFixed(1)} MiB`,
  );
  t.diagnostic(
    `idle task ${(idleUsed / MiB).toFixed(1)} MiB, 64 MiB task ${(hogUsed / MiB).toFixed(1)} MiB`,
  );
  const container = hog.containerUsage("app", 0);
  assert.ok(container && container.memoryBytes >= 64 * MiB, "the container's own figure");
  assert.equal(container?.pids, 1);

  // The busy loop is in the agent's group: it counts toward the task, not toward "app".
  const before = hog.usage([])?.cpuNanos ?? 0;
  const appBefore = hog.containerUsage("app", 0)?.cpuNanos ?? 0;
  await sleep(500);
  const grown = (hog.usage([])?.cpuNanos ?? 0) - before;
  assert.ok(grown >= 200e6, `CPU grew by ${grown / 1e6} ms in 500 ms of a busy loop`);
  const appGrown = (hog.containerUsage("app", 0)?.cpuNanos ?? 0) - appBefore;
  assert.ok(appGrown < 100e6, `the idle container used ${appGrown / 1e6} ms`);
  busy.kill("SIGKILL");
});

test("a task's CPU units become a CFS quota: 256 units get a quarter of a CPU", async (t) => {
  const runDir = tempRunDir(t);
  const task = await runResources({ runDir }).openTask("quarter", {
    cpuUnits: 256,
    cpuQuotaFromStart: true,
  });
  t.after(() => task.release());
  await startNode(t, task.enter("app"), BUSY);
  const before = task.usage([])?.cpuNanos ?? 0;
  await sleep(2000);
  const used = (task.usage([])?.cpuNanos ?? 0) - before;
  t.diagnostic(`a busy loop under 256 units got ${(used / 1e6).toFixed(0)} ms of CPU in 2 s`);
  // 25 ms per 100 ms period: 500 ms of CPU in 2 s, give or take a period at each end.
  assert.ok(used > 300e6 && used < 700e6, `a busy loop got ${used / 1e6} ms of CPU in 2 s`);
});

test("the OOM killer's kills are counted per container", async (t) => {
  const runDir = tempRunDir(t);
  const task = await runResources({ runDir }).openTask("oom", { memoryMiB: 256 });
  t.after(() => task.release());
  await startNode(t, task.enter("calm"), IDLE);
  const greedy = spawnPlaced(
    task.enter("greedy", { memoryMiB: 32 }),
    "const a = []; for (;;) a.push(Buffer.alloc(4 * 1024 * 1024, 1));",
  );
  const [code, signal] = await once(greedy, "exit");
  assert.deepEqual([code, signal], [null, "SIGKILL"]);
  assert.equal(task.oomKilled("greedy"), true);
  assert.equal(task.oomKilled("calm"), false);
});

function spawnPlaced(procs: readonly string[], script: string): ChildProcess {
  const argv = placedInCgroups(procs, [process.execPath, "-e", script]);
  return spawn(argv[0] as string, argv.slice(1), { stdio: "ignore" });
}

test("the groups a killed run left are emptied and removed before the next run's first task", async (t) => {
  const h = hierarchy();
  const runDir = tempRunDir(t);
  const earlier = await runResources({ runDir }).openTask("left", {});
  const orphan = await startNode(t, earlier.enter("app"), IDLE);
  // The earlier run's control plane dies here without releasing anything.

  let reported = -1;
  const next = runResources({ runDir, onLeftovers: (count) => (reported = count) });
  const task = await next.openTask("fresh", {});
  t.after(() => task.release());
  assert.equal(reported, 1);
  await waitFor(() => !isRunning(orphan.pid as number), "the leftover process killed");
  for (const dir of runGroupDirs(runDir, h)) {
    assert.ok(!existsSync(join(dir, "left")), `${dir}/left removed`);
    assert.ok(existsSync(join(dir, "fresh")), `${dir}/fresh made`);
  }
  await task.release();
  assert.deepEqual(runGroupDirs(runDir, h), []);
});

async function waitFor(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !probe(); i++) await sleep(20);
  assert.ok(probe(), what);
}

test("without cgroups: /proc sums, no groups, no limits", async (t) => {
  const accounting = accountingFor({
    mode: "none",
    summary: "no cgroups: turned off by ECS_LOCAL_CGROUPS=off; usage comes from /proc sums",
  });
  assert.equal(accounting.label, "/proc sums (no limits)");
  assert.match(accounting.notice ?? "", /turned off/);
  const task = await runResources({ runDir: tempRunDir(t), accounting }).openTask("proc", {
    memoryMiB: 16,
  });
  assert.deepEqual(task.enter("app", { memoryMiB: 16 }), []);
  // 64 MiB held past both "limits": nothing kills it, and /proc sees it.
  const hog = await startNode(t, [], HOLD_64_MIB);
  const used = task.usage([hog.pid as number]);
  assert.ok(used && used.memoryBytes >= 64 * MiB, `${used?.memoryBytes} bytes`);
  assert.ok((task.containerUsage("app", hog.pid as number)?.memoryBytes ?? 0) >= 64 * MiB);
  assert.equal(task.oomKilled("app"), false);
  await task.release();
});

test("a v2 hierarchy without the memory and cpu controllers falls back to /proc sums", () => {
  const v2 = cgroup2Mount();
  const accounting = accountingFor({ mode: "v2", v2Root: v2, summary: "" });
  assert.equal(accounting.mode, "none");
  assert.match(
    accounting.notice ?? "",
    new RegExp(`cannot enable memory, cpu for the groups under ${v2}`),
  );
  assert.match(accounting.notice ?? "", /limits are not enforced$/);
});

test("v2 groups are made, joined, emptied and removed (on the cgroup2 mount, no controllers)", async (t) => {
  const root = cgroup2Mount();
  const h: CgroupHierarchy = {
    version: "v2",
    memory: root,
    cpu: root,
    cpuacct: root,
    controllers: [],
  };
  const top = `ecs-local-test-${process.pid}`;
  t.after(() => removeGroup(h, top));
  makeGroup(h, `${top}/run/task/app`);
  const child = await startNode(t, procsFiles(h, `${top}/run/task/app`), IDLE);
  const line = readFileSync(`/proc/${child.pid}/cgroup`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("0::"));
  assert.equal(line, `0::/${top}/run/task/app`);
  assert.deepEqual(groupPids(h, top), [child.pid]);
  await removeGroup(h, top);
  assert.ok(!existsSync(join(root, top)));
  await waitFor(() => !isRunning(child.pid as number), "the group's process killed");
});

function cgroup2Mount(): string {
  const mount = parseCgroupMounts(readFileSync("/proc/self/mounts", "utf8")).find(
    (m) => m.type === "cgroup2",
  );
  assert.ok(mount, "a cgroup2 mount");
  return mount.mountPoint;
}

test("the run's group is named after its folder, under ecs-local/", () => {
  assert.match(runGroup("/srv/app/.ecs-local/run"), /^ecs-local\/run-[0-9a-f]{12}$/);
  assert.equal(runGroup("/srv/app/.ecs-local/run"), runGroup("/srv/app/.ecs-local/run/"));
  assert.notEqual(runGroup("/srv/app/.ecs-local/run"), runGroup("/srv/other/.ecs-local/run"));
});

test("making a group that exists and removing one that does not are fine", async (t) => {
  const h = hierarchy();
  const group = `ecs-local-test-${process.pid}-twice`;
  t.after(() => removeGroup(h, group));
  makeGroup(h, group);
  makeGroup(h, group);
  await removeGroup(h, group);
  await removeGroup(h, group);
  assert.ok(!existsSync(join(h.memory, group)));
});
