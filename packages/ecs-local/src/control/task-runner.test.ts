/**
 * Real tasks (namespaces, the Service Connect agent, containers as node processes) measured and limited
 * through this machine's cgroups, and through /proc sums when cgroups are turned off.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { TaskMetadataServer } from "../api/task-metadata.js";
import type { PreparedImage } from "../image/build-steps.js";
import type { ContainerDefinition, TaskDefinition } from "../model/types.js";
import { readPids } from "../sandbox/cgroup-tree.js";
import {
  AGENT_GROUP,
  accountingFor,
  type RunResources,
  resourceAccounting,
  runGroup,
  runGroupDirs,
  runResources,
} from "../sandbox/task-resources.js";
import { OUT_OF_MEMORY_REASON, type TaskRunner, taskRunnerFactory } from "./task-runner.js";
import type { ServiceTask } from "./task-state.js";
import { container, service, taskDefinition } from "./testing/model-builders.js";
import { clock } from "./time-scale.js";

const MiB = 1024 * 1024;
const IDLE = "setInterval(() => {}, 1000);";
// Every page touched, so the memory is resident and charged, not merely reserved.
const HOLD_64_MIB =
  "globalThis.held = Buffer.alloc(64 * 1024 * 1024, 7); setInterval(() => {}, 1000);";
const BUSY = "for (;;) {}";
const GREEDY = "const a = []; setInterval(() => a.push(Buffer.alloc(16 * 1024 * 1024, 1)), 10);";

let root: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "ecs-local-task-runner-"));
  mkdirSync(join(root, "image"));
});
after(() => rmSync(root, { recursive: true, force: true }));

function nodeContainer(name: string, script: string, memoryMiB?: number): ContainerDefinition {
  return {
    ...container({ name }),
    name,
    command: [process.execPath, "-e", script],
    stopTimeoutSeconds: 2,
    ...(memoryMiB === undefined ? {} : { memoryMiB }),
  };
}

function definition(
  name: string,
  containers: readonly ContainerDefinition[],
  limits: { cpu?: number; memoryMiB?: number } = {},
): TaskDefinition {
  return { ...taskDefinition({ name }), containers, ...limits };
}

/** A real task of a one-off run folder; stopped (and its folder removed) after the test. */
function startTask(
  t: { after: (fn: () => Promise<void> | void) => void },
  td: TaskDefinition,
  resources?: (runDir: string) => RunResources,
): { task: TaskRunner; runDir: string } {
  const runDir = mkdtempSync(join(root, "run-"));
  const image: PreparedImage = {
    rootDir: join(root, "image"),
    workdir: "/",
    workdirHostPath: join(root, "image"),
    env: {},
    entrypoint: [],
    cmd: [],
    exposedPorts: [],
    notices: [],
    contentHash: "0".repeat(64),
    cached: true,
  };
  const factory = taskRunnerFactory({
    runDir,
    region: "local-1",
    accountId: "000000000000",
    clock: clock(10),
    logger: pino({ level: "silent" }),
    aliases: [],
    egress: [],
    hiddenPaths: [],
    prepareImage: async () => image,
    environmentFor: () => ({}),
    serveMetadata: (socketPath, source) => TaskMetadataServer.start(socketPath, source),
    ...(resources ? { resources: resources(runDir) } : {}),
  });
  const task = factory({
    id: randomUUID().replaceAll("-", ""),
    service: service({ name: td.family }),
    taskDefinition: td,
    taskDefinitionRevision: 1,
    onChange: () => {},
    onLog: () => {},
    endpoints: () => new Map(),
    logsFollowed: () => false,
    deactivate: async () => {},
  }) as TaskRunner;
  t.after(() => task.stop("test over"));
  void task.start();
  return { task, runDir };
}

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const running = (task: ServiceTask) =>
  until(() => (task.status === "RUNNING" ? true : undefined), `${task.service} RUNNING`);

describe("a task's resources, with cgroups", { timeout: 120_000 }, () => {
  test("a task holding 64 MiB uses 64 MiB more than an idle one; a busy loop's CPU shows", async (t) => {
    const h = resourceAccounting().hierarchy;
    assert.ok(h, resourceAccounting().notice);
    const idle = startTask(t, definition("idle", [nodeContainer("app", IDLE)]));
    const hog = startTask(
      t,
      definition("hog", [nodeContainer("app", HOLD_64_MIB), nodeContainer("spin", BUSY)]),
    );
    await Promise.all([running(idle.task), running(hog.task)]);

    // The containers allocate after they start: wait for the figures to settle.
    const [idleUsed, hogUsed] = await until(() => {
      const a = idle.task.usage()?.memoryBytes ?? 0;
      const b = hog.task.usage()?.memoryBytes ?? 0;
      return b - a >= 64 * MiB ? [a, b] : undefined;
    }, "64 MiB more in the holding task");
    const idleApp = idle.task.containerUsage().values().next().value;
    const hogApp = [...hog.task.containerUsage().values()][0];
    t.diagnostic(
      `idle task ${(idleUsed / MiB).toFixed(1)} MiB (its container ${((idleApp?.memoryBytes ?? 0) / MiB).toFixed(1)} MiB, the rest its agent); ` +
        `64 MiB task ${(hogUsed / MiB).toFixed(1)} MiB`,
    );
    assert.ok(hogApp && hogApp.memoryBytes >= 64 * MiB, "the holding container's own figure");
    assert.ok(idleApp && idleUsed > idleApp.memoryBytes, "the task's figure includes its agent");

    const before = hog.task.usage()?.cpuNanos ?? 0;
    await new Promise((r) => setTimeout(r, 500));
    const grown = (hog.task.usage()?.cpuNanos ?? 0) - before;
    assert.ok(grown >= 200e6, `CPU grew ${grown / 1e6} ms in 500 ms of a busy loop`);

    // The agent is in its own child group of the task, as ECS's agent container is.
    const agentDir = join(h.memory, runGroup(hog.runDir), hog.task.id, AGENT_GROUP);
    const agentPids = readPids(agentDir);
    assert.equal(agentPids.length, 1);
    assert.match(readFileSync(`/proc/${agentPids[0]}/cmdline`, "utf8"), /haproxy/);

    await Promise.all([idle.task.stop("test over"), hog.task.stop("test over")]);
    assert.deepEqual(runGroupDirs(hog.runDir, h), [], "the task's groups are gone");
    assert.deepEqual(runGroupDirs(idle.runDir, h), []);
  });

  test("a container past the task's memory is OOM-killed: ECS's reason and exit code 137", async (t) => {
    const h = resourceAccounting().hierarchy;
    assert.ok(h);
    const { task, runDir } = startTask(
      t,
      definition("greedy", [nodeContainer("greedy", GREEDY)], { memoryMiB: 128 }),
    );
    await until(() => (task.status === "STOPPED" ? true : undefined), "the task stopped");
    assert.equal(task.stoppedReason, OUT_OF_MEMORY_REASON);
    assert.equal(task.stoppedReason, "OutOfMemoryError: Container killed due to memory usage");
    assert.deepEqual(task.exitCodes, { greedy: 137 });
    assert.equal(task.failed, true);
    assert.deepEqual(runGroupDirs(runDir, h), []);
  });

  test("a container's own memory limit applies to it alone", async (t) => {
    const { task } = startTask(
      t,
      definition("mixed", [nodeContainer("calm", IDLE), nodeContainer("greedy", GREEDY, 64)], {
        memoryMiB: 1024,
      }),
    );
    await until(() => (task.status === "STOPPED" ? true : undefined), "the task stopped");
    assert.equal(task.stoppedReason, OUT_OF_MEMORY_REASON);
    assert.equal(task.exitCodes.greedy, 137);
  });

  test("an ordinary exit keeps ECS's essential-container reason", async (t) => {
    const { task } = startTask(t, definition("quits", [nodeContainer("quits", "process.exit(3)")]));
    await until(() => (task.status === "STOPPED" ? true : undefined), "the task stopped");
    assert.equal(task.stoppedReason, "Essential container in task exited (quits: exit code 3)");
  });
});

describe("a task's resources, from /proc sums", { timeout: 60_000 }, () => {
  test("usage is summed over the processes, and limits are not enforced", async (t) => {
    const accounting = accountingFor({
      mode: "none",
      summary: "no cgroups: turned off by ECS_LOCAL_CGROUPS=off",
    });
    const { task } = startTask(
      t,
      definition("unlimited", [nodeContainer("app", HOLD_64_MIB)], { memoryMiB: 32, cpu: 256 }),
      (runDir) => runResources({ runDir, accounting }),
    );
    await running(task);
    const used = await until(() => {
      const memory = task.usage()?.memoryBytes ?? 0;
      return memory >= 64 * MiB ? memory : undefined;
    }, "64 MiB in /proc");
    t.diagnostic(`/proc sums: ${(used / MiB).toFixed(1)} MiB (container + agent, resident)`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(task.status, "RUNNING", "a 32 MiB task holding 64 MiB is not killed");
  });
});
