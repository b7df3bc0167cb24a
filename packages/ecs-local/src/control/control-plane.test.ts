import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import pino from "pino";
import { UsageError } from "../errors.js";
import type { Model } from "../model/types.js";
import { ControlPlane } from "./control-plane.js";
import { inMemoryTasks } from "./testing/in-memory-task.js";
import { model, targetGroup } from "./testing/model-builders.js";
import { clock } from "./time-scale.js";

function setup(t: { after: (fn: () => Promise<void> | void) => void }, m: Model) {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-control-plane-"));
  const tasks = inMemoryTasks({ socketDir: dir });
  const events: string[] = [];
  const plane = new ControlPlane({
    model: m,
    endpointsFile: join(dir, "endpoints.json"),
    clock: clock(10),
    logger: pino({ level: "silent" }),
    listenerPorts: new Map(),
    createTask: tasks.createTask,
    onEvent: (line) => events.push(line.replace(/^\S+ /, "")),
    tickMs: 60_000, // the tests drive the ticks through changes and calls
  });
  t.after(async () => {
    await plane.shutdown("test over");
    rmSync(dir, { recursive: true, force: true });
  });
  const byService = (name: string) => tasks.made.filter((task) => task.service === name);
  return { plane, tasks: tasks.made, byService, events };
}

const twoTier = model([
  { name: "backend-service", port: 5000, healthCheck: true },
  { name: "frontend-service", port: 3000, dependsOn: ["backend-service"] },
]);

describe("the control plane", () => {
  test("starts services in DependsOn order: a dependent once its dependency is steady", async (t) => {
    const s = setup(t, twoTier);
    await s.plane.start();
    assert.equal(s.byService("backend-service").length, 1);
    assert.equal(s.byService("frontend-service").length, 0, "waits for the backend");
    s.byService("backend-service")[0]?.run("UNKNOWN");
    await nextTurn();
    assert.equal(s.byService("frontend-service").length, 0, "running is not yet healthy");
    s.byService("backend-service")[0]?.setHealth("HEALTHY");
    await nextTurn();
    assert.equal(s.byService("frontend-service").length, 1, "started on the change, not a tick");
    assert.equal(s.plane.allSteady, false);
    s.byService("frontend-service")[0]?.run();
    assert.equal(s.plane.allSteady, true);
  });

  test("scale sets the desired count; services are named by name or unique prefix", async (t) => {
    const s = setup(t, twoTier);
    await s.plane.start();
    const status = s.plane.scale("back", 3);
    assert.equal(status.name, "backend-service");
    assert.equal(status.desiredCount, 3);
    assert.equal(s.byService("backend-service").length, 3, "applied at once");
    assert.throws(() => s.plane.scale("nope", 1), UsageError);
    assert.throws(() => s.plane.scale("backend", -1), /whole number of 0 or more/);
    assert.throws(() => s.plane.findService(""), /matches several services/);
  });

  test("status shows each service's counts, aliases and tasks", async (t) => {
    const s = setup(t, twoTier);
    await s.plane.start();
    s.byService("backend-service")[0]?.run();
    const backend = s.plane.status().services.find((x) => x.name === "backend-service");
    assert.deepEqual(
      {
        ...backend,
        tasks: backend?.tasks.map((task) => task.lastStatus),
        events: undefined,
        deployments: backend?.deployments.map((d) => [
          d.status,
          d.taskDefinitionRevision,
          d.rolloutState,
          d.runningCount,
        ]),
      },
      {
        name: "backend-service",
        desiredCount: 1,
        runningCount: 1,
        healthyCount: 1,
        aliases: ["backend-service.local:5000"],
        tasks: ["RUNNING"],
        events: undefined,
        deployments: [["PRIMARY", 1, "IN_PROGRESS", 1]],
        cloudMap: [{ discoveryName: "backend-service", instances: 1 }],
      },
    );
  });

  test("every live task's agent follows Cloud Map, whichever service changed it", async (t) => {
    const s = setup(t, twoTier);
    await s.plane.start();
    const backend = s.byService("backend-service")[0];
    backend?.run();
    await nextTurn();
    const frontend = s.byService("frontend-service")[0];
    assert.ok(backend && frontend);
    const ids = (endpoints: typeof backend.endpoints) =>
      (endpoints.get("backend-service") ?? []).map((e) => e.taskId);
    assert.deepEqual(ids(backend.endpoints), [backend.id], "the backend's own task was told");
    s.plane.scale("backend-service", 2);
    const second = s.byService("backend-service")[1];
    second?.run();
    assert.deepEqual(ids(frontend.endpoints).sort(), [backend.id, second?.id].sort());
    void backend.stop("scale in");
    assert.deepEqual(ids(frontend.endpoints), [second?.id], "a stopping task leaves at once");
  });

  test("the ALB's targets are the RUNNING tasks of the services attached to its group", async (t) => {
    const m = model([{ name: "web", port: 3000, desiredCount: 2, targetGroup: "WebTargets" }], {
      targetGroups: [targetGroup("WebTargets", 3000)],
    });
    const s = setup(t, m);
    await s.plane.start();
    assert.deepEqual(s.plane.registeredTargets("WebTargets"), [], "PENDING tasks are not");
    s.tasks[0]?.run();
    assert.deepEqual(s.plane.registeredTargets("WebTargets"), [
      { taskId: s.tasks[0]?.id, socketPath: s.tasks[0]?.sockets.web },
    ]);
    void s.tasks[0]?.stop("scale in");
    assert.deepEqual(s.plane.registeredTargets("WebTargets"), []);
    assert.deepEqual(s.plane.registeredTargets("OtherTargets"), []);
  });

  test("shutdown stops dependents first, and a second call joins the first", async (t) => {
    const s = setup(t, twoTier);
    await s.plane.start();
    s.byService("backend-service")[0]?.run();
    await nextTurn();
    s.byService("frontend-service")[0]?.run();
    const first = s.plane.shutdown("ecs-local down");
    const second = s.plane.shutdown("Ctrl-C");
    assert.equal(first, second);
    await first;
    assert.equal(await s.plane.closed, "ecs-local down");
    const stops = s.events.filter((e) => / stopped task /.test(e)).map((e) => e.split(":")[0]);
    assert.deepEqual(stops, ["frontend-service", "backend-service"]);
    assert.ok(s.tasks.every((task) => task.status === "STOPPED"));
  });
});
