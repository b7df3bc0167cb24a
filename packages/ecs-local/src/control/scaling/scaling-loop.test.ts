import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import pino from "pino";
import type { Model, ScalableTarget } from "../../model/types.js";
import { ControlPlane } from "../control-plane.js";
import { inMemoryTasks } from "../testing/in-memory-task.js";
import { model } from "../testing/model-builders.js";
import { clock } from "../time-scale.js";

const MIB = 1024 * 1024;

function scaled(m: Model, target: Partial<ScalableTarget>): Model {
  const service = m.services[0];
  assert.ok(service);
  return {
    ...m,
    taskDefinitions: m.taskDefinitions.map((t) => ({ ...t, cpu: 256, memoryMiB: 512 })),
    scaling: [
      {
        origin: { logicalId: "Target", constructPath: "Stack/Api/TaskCount/Target" },
        serviceId: service.origin.logicalId,
        resourceId: `service/test-cluster/${service.name}`,
        minCapacity: 1,
        maxCapacity: 5,
        scheduledActions: [],
        suspended: { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false },
        policies: [
          {
            kind: "TargetTracking",
            origin: { logicalId: "Memory", constructPath: "Stack/Api/TaskCount/Target/Memory" },
            name: "memory",
            metric: "ECSServiceAverageMemoryUtilization",
            targetValue: 20,
            scaleInCooldownMs: 60_000,
            scaleOutCooldownMs: 60_000,
            disableScaleIn: false,
          },
        ],
        ...target,
      },
    ],
  };
}

test("memory above the target for three minutes scales the service out, in ECS's and AAS's words", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-scaling-"));
  let now = 1_000_000;
  const tasks = inMemoryTasks({ socketDir: dir, now: () => now });
  const lines: string[] = [];
  const plane = new ControlPlane({
    model: scaled(model([{ name: "api", port: 5000 }]), {}),
    endpointsFile: join(dir, "endpoints.json"),
    clock: clock(60),
    logger: pino({ level: "silent" }),
    listenerPorts: new Map(),
    createTask: tasks.createTask,
    onEvent: (line) => lines.push(line),
    tickMs: 60_000,
    now: () => now,
  });
  t.after(async () => {
    await plane.shutdown("test over");
    rmSync(dir, { recursive: true, force: true });
  });
  await plane.start();
  const first = tasks.made[0];
  assert.ok(first);
  first.run();
  first.used = { memoryBytes: 120 * MIB, cpuNanos: 0 }; // 23.4 % of 512 MiB
  // At time scale 60 a real second is an AWS minute: sample twice a second for 3.5 s.
  for (let i = 0; i < 7; i++) {
    now += 500;
    plane.scaling.sample();
  }
  await nextTurn();
  const api = plane.controllers[0];
  assert.equal(api?.desiredCount, 2, "ceil(1 × 23.4 / 20) = 2");
  assert.equal(tasks.made.length, 2, "the new desired count is applied at once");
  const events = plane.events({});
  const scaling = events.filter((e) => e.kind === "scaling");
  assert.equal(scaling.length, 1);
  assert.match(
    scaling[0]?.message ?? "",
    /^Setting desired count to 2\. Successfully set desired count to 2\. Change successfully fulfilled by ecs\. Cause: monitor alarm TargetTracking-service\/test-cluster\/api-AlarmHigh-[0-9a-f-]+ in state ALARM triggered policy memory$/,
  );
  assert.ok(
    events.some(
      (e) =>
        e.kind === "service" &&
        /^\(service api\) has started 1 tasks: \(task \w+\)\.$/.test(e.message),
    ),
    JSON.stringify(events),
  );
  assert.ok(
    lines.some((l) => /api: Setting desired count to 2\./.test(l)),
    lines.join("\n"),
  );
  const policy = plane.status().services[0]?.scaling?.policies[0];
  assert.equal(policy?.alarms.find((a) => a.name.includes("AlarmHigh"))?.state, "ALARM");
  assert.equal(Math.round((policy?.value ?? 0) * 10) / 10, 23.4);
});

test("AWS time is real time since the run began times the time scale, both ways", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-scaling-"));
  let now = 5_000_000;
  const tasks = inMemoryTasks({ socketDir: dir, now: () => now });
  const plane = new ControlPlane({
    model: model([{ name: "api", port: 5000 }]),
    endpointsFile: join(dir, "endpoints.json"),
    clock: clock(10),
    logger: pino({ level: "silent" }),
    listenerPorts: new Map(),
    createTask: tasks.createTask,
    onEvent: () => {},
    tickMs: 60_000,
    now: () => now,
  });
  t.after(async () => {
    await plane.shutdown("test over");
    rmSync(dir, { recursive: true, force: true });
  });
  now += 6_000;
  assert.equal(plane.scaling.awsNow(), 60_000, "six real seconds are an AWS minute at scale 10");
  assert.equal(plane.scaling.awsTimeOf(5_003_000), 30_000);
  assert.equal(plane.scaling.wallTimeOf(120_000), 5_012_000);
});
