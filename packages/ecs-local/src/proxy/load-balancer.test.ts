import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { clock } from "../control/time-scale.js";
import { ListenerPortError } from "../errors.js";
import type { Listener } from "../model/types.js";
import { hostPortFor, pickTargetGroup } from "./listener-rules.js";
import { LoadBalancerListener, type TargetRegistration } from "./load-balancer.js";

const origin = { logicalId: "L", constructPath: "Stack/Alb/Listener" };

describe("listener ports", () => {
  test("80 maps to 8080, other low ports to +8000, overrides win", () => {
    assert.equal(hostPortFor(80, new Map()), 8080);
    assert.equal(hostPortFor(443, new Map()), 8443);
    assert.equal(hostPortFor(3000, new Map()), 3000);
    assert.equal(hostPortFor(80, new Map([[80, 9999]])), 9999);
  });

  test("a host port in use is a clear error that says how to map it elsewhere", async (t) => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    t.after(() => squatter.close());
    const { port } = squatter.address() as { port: number };
    const listener = new LoadBalancerListener({
      listener: { origin, port: 80, protocol: "HTTP", rules: [] },
      targetGroups: [],
      targets: { registeredTargets: () => [] },
      hostPort: port,
      clock: clock(10),
      logger: pino({ level: "silent" }),
    });
    await assert.rejects(listener.start(), (error: unknown) => {
      assert.ok(error instanceof ListenerPortError);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}, which is already in use`));
      assert.match(error.message, /--listener-port 80=<free port>/);
      return true;
    });
  });
});

describe("listener rules", () => {
  const listener: Listener = {
    origin,
    port: 80,
    protocol: "HTTP",
    defaultTargetGroupId: "Default",
    rules: [
      { origin, priority: 20, pathPatterns: ["/api/*"], hostHeaders: [], targetGroupId: "Api" },
      {
        origin,
        priority: 10,
        pathPatterns: ["/api/admin*"],
        hostHeaders: [],
        targetGroupId: "Admin",
      },
      {
        origin,
        priority: 30,
        pathPatterns: [],
        hostHeaders: ["*.example.com"],
        targetGroupId: "Host",
      },
    ],
  };
  const table: [path: string, host: string, group: string | undefined][] = [
    ["/", "localhost", "Default"],
    ["/api/message", "localhost", "Api"],
    ["/api/admin/users", "localhost", "Admin"],
    ["/", "shop.example.com", "Host"],
    ["/", "SHOP.Example.com:8080", "Host"],
    ["/API/message", "localhost", "Default"],
  ];
  for (const [path, host, group] of table) {
    test(`${host}${path} → ${group}`, () => {
      assert.equal(pickTargetGroup(listener, path, host), group);
    });
  }
});

describe("routing", () => {
  /** A target: an HTTP server on a unix socket that names itself; `/` is its health path. */
  async function target(t: TestContext, dir: string, id: string, healthy: () => boolean) {
    const socketPath = join(dir, `${id}.sock`);
    const server = createHttpServer((req, res) => {
      if (req.url === "/") res.writeHead(healthy() ? 200 : 500).end(id);
      else if (req.url?.startsWith("/slow")) setTimeout(() => res.end(id), 400);
      else res.end(id);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { taskId: id, socketPath };
  }

  async function alb(t: TestContext, targets: () => readonly TargetRegistration[]) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const listener = new LoadBalancerListener({
      listener: { origin, port: 80, protocol: "HTTP", defaultTargetGroupId: "Web", rules: [] },
      targetGroups: [
        {
          origin: { logicalId: "Web", constructPath: "Stack/Web/Targets" },
          port: 3000,
          protocol: "HTTP",
          targetType: "ip",
          healthCheck: {
            path: "/",
            matcher: "200",
            intervalMs: 250,
            timeoutMs: 1_000,
            healthyThreshold: 2,
            unhealthyThreshold: 2,
          },
          deregistrationDelayMs: 0,
        },
      ],
      targets: { registeredTargets: (group) => (group === "Web" ? targets() : []) },
      hostPort: port,
      clock: clock(1),
      logger: pino({ level: "silent" }),
    });
    await listener.start();
    t.after(() => listener.close());
    const get = async (path = "/page") => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    };
    return { listener, get };
  }

  async function until(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  test("round robin over healthy targets; one failing its checks gets no traffic", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-alb-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let bHealthy = true;
    const a = await target(t, dir, "a", () => true);
    const b = await target(t, dir, "b", () => bHealthy);
    const { listener, get } = await alb(t, () => [a, b]);
    await until("both healthy", () => listener.targetHealthy("a") && listener.targetHealthy("b"));
    const bodies = await Promise.all([1, 2, 3, 4].map(() => get().then((r) => r.body)));
    assert.deepEqual(bodies.toSorted(), ["a", "a", "b", "b"]);

    bHealthy = false;
    await until("b unhealthy", () => !listener.targetHealthy("b"));
    const after = await Promise.all([1, 2, 3, 4].map(() => get().then((r) => r.body)));
    assert.deepEqual(after, ["a", "a", "a", "a"]);
  });

  test("fails open: with no healthy target, the unhealthy ones still get traffic", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-alb-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let healthy = true;
    const a = await target(t, dir, "a", () => healthy);
    const { listener, get } = await alb(t, () => [a]);
    await until("a healthy", () => listener.targetHealthy("a"));
    healthy = false;
    await until("a unhealthy", () => !listener.targetHealthy("a"));
    assert.deepEqual(await get(), { status: 200, body: "a" });
  });

  test("with no registered target, or only targets in their first check, it answers 503", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-alb-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    let registered: TargetRegistration[] = [];
    const { get } = await alb(t, () => registered);
    assert.equal((await get()).status, 503);
    // A target whose socket does not answer stays `initial` and gets nothing.
    registered = [{ taskId: "silent", socketPath: join(dir, "silent.sock") }];
    await sleep(300);
    assert.equal((await get()).status, 503);
  });

  test("a deregistered target drains: at once when idle, after its in-flight requests otherwise", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-alb-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const a = await target(t, dir, "a", () => true);
    let registered = [a];
    const { listener, get } = await alb(t, () => registered);
    await until("a healthy", () => listener.targetHealthy("a"));

    let started = Date.now();
    await listener.drained(a.socketPath, 5_000);
    assert.ok(Date.now() - started < 50, "nothing in flight: drained at once");

    const slow = get("/slow");
    await sleep(100);
    registered = []; // out of the target group, as ECS deregisters it in DEACTIVATING
    started = Date.now();
    await listener.drained(a.socketPath, 5_000);
    const waited = Date.now() - started;
    assert.deepEqual(await slow, { status: 200, body: "a" }, "the request in flight finished");
    assert.ok(waited >= 200 && waited < 1_000, `drained when it finished, after ${waited} ms`);

    registered = [a];
    await until("a back", () => listener.targetHealthy("a"));
    const stuck = get("/slow");
    await sleep(50);
    started = Date.now();
    await listener.drained(a.socketPath, 100);
    assert.ok(Date.now() - started < 300, "the deregistration delay bounds the wait");
    await stuck;
  });
});
