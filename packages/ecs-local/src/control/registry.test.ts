import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseEndpoints } from "../proxy/endpoints-file.js";
import { Registry } from "./registry.js";

test("the registry publishes every change to the endpoints file and to its listeners", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-registry-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "run", "endpoints.json");
  const read = () => {
    const parsed = parseEndpoints(readFileSync(file, "utf8"));
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.problem);
    return parsed.snapshot;
  };
  const registry = new Registry(file);
  assert.equal(read().services.size, 0, "an empty file exists from the start");
  const told: string[][] = [];
  registry.onChange((endpoints) => told.push((endpoints.get("api") ?? []).map((e) => e.taskId)));

  const instance = (discoveryName: string, instanceId: string) => ({
    discoveryName,
    instanceId,
    address: `/run/${instanceId}/${discoveryName}.sock`,
    attributes: {},
  });
  registry.register(instance("api", "b"));
  registry.register(instance("api", "a"));
  registry.register(instance("admin", "a"));
  const three = read();
  assert.deepEqual(three.services.get("api"), [
    { taskId: "a", address: "/run/a/api.sock" },
    { taskId: "b", address: "/run/b/api.sock" },
  ]);
  assert.equal(registry.instances("api").length, 2);
  assert.deepEqual(told, [["b"], ["a", "b"], ["a", "b"]], "each change told, in order");
  assert.deepEqual(registry.endpoints(), three.services, "endpoints() is what the file holds");

  assert.equal(registry.deregisterTask("a"), 2, "every instance of the task goes");
  const after = read();
  assert.ok(after.version > three.version);
  assert.deepEqual(after.services.get("api"), [{ taskId: "b", address: "/run/b/api.sock" }]);
  assert.equal(after.services.get("admin"), undefined);
  assert.equal(registry.deregisterTask("nobody"), 0);
  assert.equal(read().version, after.version, "nothing removed, nothing written");
  assert.equal(told.length, 4, "nothing removed, nothing told");
});
