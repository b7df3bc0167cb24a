import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import pino from "pino";
import type { TaskDefinition } from "../model/types.js";
import { Registry } from "./registry.js";
import { ServiceController } from "./service-controller.js";
import { inMemoryTasks } from "./testing/in-memory-task.js";
import { type ServiceSpec, service, taskDefinition } from "./testing/model-builders.js";

function setup(t: { after: (fn: () => void) => void }, spec: ServiceSpec) {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-deployments-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = 1_000_000;
  const tasks = inMemoryTasks({ socketDir: dir, now: () => now });
  const serviceEvents: string[] = [];
  const controller = new ServiceController({
    service: service(spec),
    taskDefinition: taskDefinition(spec),
    createTask: tasks.createTask,
    registry: new Registry(join(dir, "endpoints.json")),
    region: "local-1",
    logger: pino({ level: "silent" }),
    onEvent: () => {},
    onServiceEvent: (e) => serviceEvents.push(e.message),
    onLog: () => {},
    logsFollowed: () => false,
    deactivate: async () => {},
    now: () => now,
  });
  return {
    controller,
    tasks: tasks.made,
    serviceEvents,
    /** Runs every task that is still PENDING, as if it started and passed its checks. */
    runPending: () => {
      for (const task of tasks.made) if (task.status === "PENDING") task.run();
    },
    live: () => tasks.made.filter((task) => task.status !== "STOPPED"),
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The same task definition with a rebuilt image, as `up --watch` makes it. */
function rebuilt(definition: TaskDefinition, hash: string): TaskDefinition {
  return {
    ...definition,
    containers: definition.containers.map((c) => ({
      ...c,
      image: { kind: "asset", assetHash: hash },
    })),
  };
}

describe("a service deployment", () => {
  test("rolls to a new revision within maximumPercent, stopping old tasks once new ones are healthy", (t) => {
    const s = setup(t, { name: "api", port: 5000, desiredCount: 2 });
    s.controller.tick(true);
    s.runPending();
    s.controller.tick(true);
    const first = s.controller.deployments()[0];
    assert.equal(first?.rolloutState, "COMPLETED", "the first deployment completes at steady");
    const old = s.live().map((task) => task.id);

    const next = s.controller.deploy(rebuilt(s.controller.taskDefinition, "1".repeat(64)));
    assert.equal(next.taskDefinitionRevision, 2);
    assert.deepEqual(
      s.controller.deployments().map((d) => [d.status, d.rolloutState]),
      [
        ["PRIMARY", "IN_PROGRESS"],
        ["ACTIVE", "COMPLETED"],
      ],
    );
    s.controller.tick(true);
    assert.equal(s.live().length, 4, "maximumPercent 200 of 2: two new tasks beside the old");
    assert.ok(
      old.every((id) => s.tasks.find((task) => task.id === id)?.status === "RUNNING"),
      "minimumHealthyPercent 100: no old task stops before a new one is healthy",
    );
    s.runPending();
    s.controller.tick(true);
    for (const id of old) {
      const task = s.tasks.find((x) => x.id === id);
      assert.equal(task?.status, "STOPPED");
      assert.equal(task?.stoppedReason, `Scaling activity initiated by (deployment ${first?.id})`);
    }
    s.controller.tick(true);
    assert.deepEqual(
      s.controller.deployments().map((d) => [d.id, d.status, d.rolloutState]),
      [[next.id, "PRIMARY", "COMPLETED"]],
      "the old deployment is INACTIVE and no longer listed",
    );
    assert.equal(s.controller.revision, 2);
    assert.ok(
      s.serviceEvents.includes(`(service api) (deployment ${next.id}) deployment completed.`),
      s.serviceEvents.join("\n"),
    );
  });

  test("the circuit breaker fails a deployment whose tasks keep failing and rolls back; the old task never stops", (t) => {
    const s = setup(t, {
      name: "api",
      port: 5000,
      deployment: { circuitBreaker: { enable: true, rollback: true } },
    });
    s.controller.tick(true);
    s.runPending();
    s.controller.tick(true);
    const [good] = s.live();
    const first = s.controller.deployments()[0];
    const broken = s.controller.deploy(rebuilt(s.controller.taskDefinition, "2".repeat(64)));
    // threshold: max(3, ceil(0.5 × 1)) = 3 failed tasks
    for (let failure = 0; failure < 3; failure++) {
      s.advance(120_000);
      s.controller.tick(true);
      const attempt = s.tasks.at(-1);
      assert.notEqual(attempt?.id, good?.id, `attempt ${failure + 1} started`);
      attempt?.run();
      attempt?.exit(1);
      if (failure < 2) {
        const shown = s.controller.deployments().find((d) => d.id === broken.id);
        assert.equal(shown?.failedTasks, failure + 1, "failed tasks counted while in progress");
      }
    }
    const listed = s.controller.deployments();
    assert.equal(listed[0]?.status, "PRIMARY");
    assert.equal(listed[0]?.taskDefinitionRevision, 1, "the rollback runs revision 1 again");
    assert.equal(
      listed[0]?.rolloutStateReason,
      `ECS deployment circuit breaker: rolling back to deploymentId ${first?.id}.`,
    );
    assert.deepEqual(
      listed.find((d) => d.id === broken.id)?.rolloutState,
      "FAILED",
      "the broken deployment is listed as FAILED",
    );
    s.advance(120_000);
    s.controller.tick(true);
    s.controller.tick(true);
    assert.equal(good?.status, "RUNNING", "the old version kept serving throughout");
    assert.deepEqual(
      s.controller.deployments().map((d) => [d.status, d.rolloutState]),
      [["PRIMARY", "COMPLETED"]],
    );
    assert.ok(
      s.serviceEvents.includes(
        `(service api) (deployment ${broken.id}) deployment failed: tasks failed to start.`,
      ),
    );
    assert.ok(s.serviceEvents.includes(`(service api) rolling back to deployment ${first?.id}.`));
  });

  test("a deployment the percentages cannot move says why, once, in ECS's words", (t) => {
    const s = setup(t, {
      name: "api",
      port: 5000,
      deployment: { minimumHealthyPercent: 100, maximumPercent: 100 },
    });
    s.controller.tick(true);
    s.runPending();
    s.controller.tick(true);
    s.controller.deploy();
    s.controller.tick(true);
    s.controller.tick(true);
    const blocked = s.serviceEvents.filter((e) => e.includes("was unable to stop or start tasks"));
    assert.equal(blocked.length, 1, s.serviceEvents.join("\n"));
    assert.equal(s.live().length, 1, "nothing started, nothing stopped");
  });

  test("forceNewDeployment replaces every task with the same revision", (t) => {
    const s = setup(t, { name: "api", port: 5000, desiredCount: 1 });
    s.controller.tick(true);
    s.runPending();
    s.controller.tick(true);
    const [old] = s.live();
    const next = s.controller.deploy();
    assert.equal(next.taskDefinitionRevision, 1);
    s.controller.tick(true);
    s.runPending();
    s.controller.tick(true);
    s.controller.tick(true);
    assert.equal(old?.status, "STOPPED");
    assert.deepEqual(
      s.live().map((task) => s.controller.deploymentOf(task.id)),
      [next.id],
    );
  });
});
