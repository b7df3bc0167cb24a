import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  containerDocument,
  dockerIdOf,
  type TaskSnapshot,
  taskDocument,
} from "./task-documents.js";
import { service, taskDefinition } from "./testing/model-builders.js";

const spec = { name: "api", port: 5000 };
const definition = { ...taskDefinition(spec), cpu: 512, memoryMiB: 1024 };

function snapshot(overrides: Partial<TaskSnapshot> = {}): TaskSnapshot {
  return {
    id: "0123456789abcdef0123456789abcdef",
    service: service(spec),
    taskDefinition: definition,
    taskDefinitionRevision: 1,
    region: "local-1",
    accountId: "000000000000",
    status: "RUNNING",
    desiredStatus: "RUNNING",
    createdAt: Date.UTC(2026, 10, 27, 12),
    startedAt: Date.UTC(2026, 10, 27, 12, 0, 2),
    containerHealth: () => "HEALTHY",
    exitCodes: {},
    ...overrides,
  };
}

describe("a task's metadata documents", () => {
  test("the task document names the revision the task runs, not always the first", () => {
    assert.equal(taskDocument(snapshot()).Revision, "1");
    assert.equal(taskDocument(snapshot({ taskDefinitionRevision: 3 })).Revision, "3");
  });

  test("the task document carries the family, the ARN, Fargate's limits in vCPU and MiB", () => {
    const doc = taskDocument(snapshot());
    assert.equal(doc.Family, definition.family);
    assert.match(
      String(doc.TaskARN),
      /^arn:aws:ecs:local-1:000000000000:task\/.+\/0123456789abcdef/,
    );
    assert.deepEqual(doc.Limits, { CPU: 0.5, Memory: 1024 });
    assert.equal(doc.StartedAt, "2026-11-27T12:00:02.000Z");
  });

  test("a container's document keeps one Docker ID for the task's life and shows its exit code", () => {
    const [first] = definition.containers;
    assert.ok(first);
    const running = containerDocument(snapshot(), first);
    assert.equal(running.DockerId, dockerIdOf("0123456789abcdef0123456789abcdef", first.name));
    assert.equal(running.ExitCode, undefined);
    const stopped = containerDocument(snapshot({ exitCodes: { [first.name]: 137 } }), first);
    assert.equal(stopped.DockerId, running.DockerId);
    assert.equal(stopped.ExitCode, 137);
  });

  test("a container's network is its task's address on the run network, 127.0.0.1 without one", () => {
    const [first] = definition.containers;
    assert.ok(first);
    const networks = (address?: string) =>
      containerDocument(snapshot(address ? { address } : {}), first).Networks;
    assert.deepEqual(networks("10.0.1.9"), [
      { NetworkMode: "awsvpc", IPv4Addresses: ["10.0.1.9"] },
    ]);
    assert.deepEqual(networks(), [{ NetworkMode: "awsvpc", IPv4Addresses: ["127.0.0.1"] }]);
  });
});
