import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import pino from "pino";
import { parseEndpoints } from "../proxy/endpoints-file.js";
import { Registry } from "./registry.js";
import { ServiceController } from "./service-controller.js";
import { inMemoryTasks } from "./testing/in-memory-task.js";
import { type ServiceSpec, service, taskDefinition } from "./testing/model-builders.js";

function setup(
  t: { after: (fn: () => void) => void },
  spec: ServiceSpec,
  options: { faithfulRouting?: boolean } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-controller-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let now = 1_000_000;
  const tasks = inMemoryTasks({ socketDir: dir, now: () => now });
  const endpointsFile = join(dir, "endpoints.json");
  const registry = new Registry(endpointsFile);
  const events: string[] = [];
  const controller = new ServiceController({
    service: service(spec),
    taskDefinition: taskDefinition(spec),
    createTask: tasks.createTask,
    registry,
    region: "local-1",
    logger: pino({ level: "silent" }),
    onEvent: (line) => events.push(line.replace(/^\S+ /, "")),
    onLog: () => {},
    logsFollowed: () => false,
    deactivate: async () => {},
    now: () => now,
    ...options,
  });
  const endpoints = (name: string) => {
    const parsed = parseEndpoints(readFileSync(endpointsFile, "utf8"));
    assert.ok(parsed.ok);
    return (parsed.snapshot.services.get(name) ?? []).map((e) => e.taskId);
  };
  return {
    controller,
    tasks: tasks.made,
    registry,
    events,
    endpoints,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("a service controller", () => {
  test("starts the desired count and registers each task in Cloud Map once it is ready", (t) => {
    const s = setup(t, { name: "api", port: 5000, desiredCount: 2, healthCheck: true });
    s.controller.tick(true);
    assert.equal(s.tasks.length, 2);
    assert.deepEqual(s.endpoints("api"), [], "not before RUNNING and HEALTHY");
    s.tasks[0]?.run("UNKNOWN");
    assert.deepEqual(s.endpoints("api"), [], "not while the health check has no verdict");
    s.tasks[0]?.setHealth("HEALTHY");
    s.tasks[1]?.run();
    assert.deepEqual(s.endpoints("api"), [s.tasks[0]?.id, s.tasks[1]?.id].sort());
    const instance = s.registry.instances("api")[0];
    assert.deepEqual(instance?.attributes, {
      AWS_INSTANCE_IPV4: "127.0.0.1",
      AWS_INSTANCE_PORT: "5000",
      ECS_CLUSTER_NAME: "test-cluster",
      ECS_SERVICE_NAME: "api",
      ECS_TASK_DEFINITION_FAMILY: "api",
      AVAILABILITY_ZONE: "local-1a",
      REGION: "local-1",
    });
    s.controller.tick(true);
    assert.equal(s.tasks.length, 2, "steady: nothing more to start");
    assert.ok(s.controller.steady(() => true));
  });

  test("with faithful routing, a task is in Cloud Map once RUNNING, before its health check passes, as on AWS", (t) => {
    const s = setup(t, { name: "api", port: 5000, healthCheck: true }, { faithfulRouting: true });
    s.controller.tick(true);
    assert.deepEqual(s.endpoints("api"), [], "not while PENDING");
    s.tasks[0]?.run("UNKNOWN");
    assert.deepEqual(s.endpoints("api"), [s.tasks[0]?.id], "RUNNING with no verdict yet");
    void s.tasks[0]?.stop("scale in");
    assert.deepEqual(s.endpoints("api"), [], "and out again as it stops");
  });

  test("waits while the services it depends on are not steady", (t) => {
    const s = setup(t, { name: "web", port: 3000 });
    const plan = s.controller.tick(false);
    assert.equal(s.tasks.length, 0);
    assert.deepEqual(
      plan.map((op) => op.type),
      ["Wait"],
    );
  });

  test("a crashed task is deregistered and replaced; crashes in a row back off", (t) => {
    const s = setup(t, { name: "api", port: 5000 });
    s.controller.tick(true);
    s.tasks[0]?.run();
    s.tasks[0]?.exit(3);
    assert.deepEqual(s.endpoints("api"), []);
    assert.ok(
      s.events.includes(
        `api: stopped task ${s.tasks[0]?.id.slice(0, 8)}: Essential container in task exited (app: exit code 3)`,
      ),
      s.events.join("\n"),
    );
    s.controller.tick(true);
    assert.equal(s.tasks.length, 2, "the first failure is replaced at once");
    s.tasks[1]?.exit(3);
    s.controller.tick(true);
    assert.equal(s.tasks.length, 2, "the second in a row backs off");
    s.advance(1_000);
    s.controller.tick(true);
    assert.equal(s.tasks.length, 3, "after the backoff, a new try");
  });

  test("a task that failed after running a while is replaced at once, without backoff", (t) => {
    const s = setup(t, { name: "api", port: 5000 });
    s.controller.tick(true);
    s.tasks[0]?.exit(3);
    s.controller.tick(true);
    s.tasks[1]?.run();
    s.advance(60_000);
    s.tasks[1]?.exit(3);
    s.controller.tick(true);
    assert.equal(s.tasks.length, 3, "an hour-long task's crash starts a new streak");
  });

  test("an unhealthy task keeps serving until its replacement is healthy, then stops", (t) => {
    const s = setup(t, { name: "api", port: 5000, healthCheck: true });
    s.controller.tick(true);
    s.tasks[0]?.run();
    s.tasks[0]?.setHealth("UNHEALTHY");
    s.controller.tick(true);
    assert.equal(s.tasks.length, 2, "the replacement starts first");
    assert.equal(s.tasks[0]?.status, "RUNNING", "the unhealthy task still runs");
    assert.deepEqual(s.endpoints("api"), [s.tasks[0]?.id], "and is still in Cloud Map");
    s.controller.tick(true);
    assert.equal(s.tasks[0]?.status, "RUNNING", "until the replacement is healthy");
    s.tasks[1]?.run();
    s.controller.tick(true);
    assert.equal(s.tasks[0]?.status, "STOPPED");
    assert.equal(s.tasks[0]?.stoppedReason, "task failed container health checks");
    assert.deepEqual(s.endpoints("api"), [s.tasks[1]?.id]);
  });

  test("scale in stops the newest tasks first", (t) => {
    const s = setup(t, { name: "api", port: 5000, desiredCount: 1 });
    s.controller.tick(true);
    s.advance(10);
    s.controller.desiredCount = 3;
    s.controller.tick(true);
    for (const task of s.tasks) task.run();
    s.controller.desiredCount = 1;
    s.controller.tick(true);
    assert.deepEqual(
      s.tasks.map((task) => task.status),
      ["RUNNING", "STOPPED", "STOPPED"],
    );
    assert.match(s.tasks[1]?.stoppedReason ?? "", /^scale in: 3 running, desired 1$/);
    assert.deepEqual(s.endpoints("api"), [s.tasks[0]?.id]);
  });

  test("a client-only service reaches others but registers nothing", (t) => {
    const s = setup(t, { name: "worker" });
    s.controller.tick(true);
    s.tasks[0]?.run();
    assert.equal(s.registry.instances().length, 0);
    assert.ok(s.controller.steady(() => true));
  });
});
