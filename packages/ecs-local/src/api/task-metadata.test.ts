import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ContainerUsage } from "../sandbox/process-usage.js";
import { routeTaskMetadata, TaskMetadataServer, type TaskMetadataSource } from "./task-metadata.js";

const OWN = "0123456789abcdef0123456789abcdef-1234567890";

/** A stats document, read through the few fields the tests look at. */
interface Stats {
  readonly name: string;
  readonly memory_stats: { readonly usage: number };
  readonly cpu_stats: { readonly cpu_usage: { readonly total_usage: number } };
  readonly precpu_stats: { readonly cpu_usage: { readonly total_usage: number } };
}
const usage = (cpuNanos: number): ContainerUsage => ({
  memoryBytes: 50 * 1024 * 1024,
  cpuNanos,
  userNanos: cpuNanos,
  systemNanos: 0,
  pids: 2,
});

function source(cpu: { nanos: number }): TaskMetadataSource {
  return {
    containers: () => new Map([[OWN, { DockerId: OWN, Name: "web" }]]),
    task: () => ({ TaskARN: "arn:aws:ecs:local-1:000000000000:task/c/0123", Containers: [] }),
    containerUsage: () => new Map([[OWN, usage(cpu.nanos)]]),
    systemCpuNanos: () => 1_000_000_000_000,
  };
}

describe("a task's metadata endpoint", () => {
  test("serves its own container, task, and stats documents", () => {
    const cpu = { nanos: 100 };
    const previous = new Map();
    const get = (path: string) => routeTaskMetadata("GET", path, source(cpu), previous);
    assert.deepEqual(get(`/v4/${OWN}`), { status: 200, body: { DockerId: OWN, Name: "web" } });
    assert.equal(get(`/v4/${OWN}/task`).status, 200);
    assert.deepEqual((get(`/v4/${OWN}/taskWithTags`).body as Record<string, unknown>).TaskTags, {});
    const first = get(`/v4/${OWN}/stats`).body as Stats;
    assert.equal(first.memory_stats.usage, 50 * 1024 * 1024);
    assert.equal(first.cpu_stats.cpu_usage.total_usage, 100);
    assert.equal(first.precpu_stats.cpu_usage.total_usage, 0);
    assert.equal(first.name, "/web");
    cpu.nanos = 900;
    const second = get(`/v4/${OWN}/stats`).body as Stats;
    assert.equal(second.precpu_stats.cpu_usage.total_usage, 100, "the last sample is precpu");
    assert.equal(second.cpu_stats.cpu_usage.total_usage, 900);
    const all = get(`/v4/${OWN}/task/stats`).body as Record<string, Stats>;
    assert.deepEqual(Object.keys(all), [OWN]);
  });

  test("refuses everything else: other tasks, control-plane routes, writes", () => {
    const previous = new Map();
    const route = (method: string, path: string) =>
      routeTaskMetadata(method, path, source({ nanos: 0 }), previous).status;
    assert.equal(route("GET", "/v4/ffffffffffffffffffffffffffffffff-0000000000"), 404);
    assert.equal(route("GET", "/v4/ffffffffffffffffffffffffffffffff-0000000000/task"), 404);
    assert.equal(route("GET", "/v1/status"), 404);
    assert.equal(route("GET", "/"), 404);
    assert.equal(route("GET", `/v4/${OWN}/../other`), 404);
    assert.equal(route("POST", "/v1/down"), 405);
    assert.equal(route("PUT", `/v4/${OWN}`), 405);
  });

  test("is served on the task's own unix socket", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-metadata-"));
    const server = await TaskMetadataServer.start(join(dir, "metadata.sock"), source({ nanos: 1 }));
    t.after(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: server.socketPath, path: `/v4/${OWN}/task` }, (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end();
    });
    assert.match(body, /"TaskARN":"arn:aws:ecs:local-1:000000000000:task\/c\/0123"/);
  });
});
