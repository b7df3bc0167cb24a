import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inMemoryTasks } from "../testing/in-memory-task.js";
import { service, taskDefinition } from "../testing/model-builders.js";
import { reservationOf, UsageSampler } from "./usage-sampler.js";

test("CPU units come from the CPU counter's growth; memory in whole MiB", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-sampler-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = 10_000;
  const { createTask, made } = inMemoryTasks({ socketDir: dir, now: () => now });
  const spec = { name: "api", port: 5000 };
  const definition = { ...taskDefinition(spec), cpu: 512, memoryMiB: 1024 };
  const task = createTask({
    id: "t1",
    service: service(spec),
    taskDefinition: definition,
    taskDefinitionRevision: 1,
    onChange: () => {},
    onLog: () => {},
    endpoints: () => new Map(),
    logsFollowed: () => false,
    deactivate: async () => {},
  });
  const inMemory = made[0];
  assert.ok(inMemory);
  inMemory.run();
  const sampler = new UsageSampler(() => now);
  inMemory.used = { memoryBytes: 100.9 * 1024 * 1024, cpuNanos: 0 };
  now += 1_000;
  assert.deepEqual(sampler.sample("api", definition, [task]).rows, [
    {
      service: "api",
      taskId: "t1",
      cpuUnits: 0,
      memoryMiB: 100,
      reservedCpuUnits: 512,
      reservedMemoryMiB: 1024,
    },
  ]);
  // Half a core for two seconds: 1e9 ns of CPU in 2e9 ns of time → 512 units.
  inMemory.used = { memoryBytes: 0, cpuNanos: 1e9 };
  now += 2_000;
  assert.equal(sampler.sample("api", definition, [task]).rows[0]?.cpuUnits, 512);
  void task.stop("done");
  assert.deepEqual(
    sampler.sample("api", definition, [task]).rows,
    [],
    "a stopped task is not sampled",
  );
});

test("a task's reservation: its task-level sizes, else the containers' memory", () => {
  const spec = { name: "api" };
  assert.deepEqual(reservationOf({ ...taskDefinition(spec), cpu: 256, memoryMiB: 512 }), {
    cpuUnits: 256,
    memoryMiB: 512,
  });
  const base = taskDefinition(spec);
  const containers = base.containers.map((c) => ({ ...c, memoryMiB: 300 }));
  assert.deepEqual(reservationOf({ ...base, containers }), { cpuUnits: 1024, memoryMiB: 300 });
});
