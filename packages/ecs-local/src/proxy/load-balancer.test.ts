import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { SecurityGroupGate } from "../control/security-groups/enforcement.js";
import { service } from "../control/testing/model-builders.js";
import { clock } from "../control/time-scale.js";
import { ListenerPortError } from "../errors.js";
import type {
  Listener,
  SecurityGroup,
  SecurityGroupRule,
  Service,
  TargetGroup,
} from "../model/types.js";
import { hostPortFor, pickTargetGroup } from "./listener-rules.js";
import {
  type LoadBalancerExchange,
  LoadBalancerListener,
  type TargetRegistration,
} from "./load-balancer.js";

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
      else if (req.url === "/streams") {
        // Headers at once, the body 400 ms later.
        res.writeHead(200).flushHeaders();
        setTimeout(() => res.end(id), 400);
      } else res.end(id);
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { taskId: id, socketPath };
  }

  async function alb(
    t: TestContext,
    targets: () => readonly TargetRegistration[],
    onExchange?: (targetGroupId: string, exchange: LoadBalancerExchange) => void,
  ) {
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
      ...(onExchange ? { onExchange } : {}),
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

  test("TargetResponseTime runs to the response's headers, not to the end of its body", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-alb-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const a = await target(t, dir, "a", () => true);
    const exchanges: LoadBalancerExchange[] = [];
    const { listener, get } = await alb(
      t,
      () => [a],
      (_, exchange) => exchanges.push(exchange),
    );
    await until("a healthy", () => listener.targetHealthy("a"));
    const started = performance.now();
    assert.deepEqual(await get("/streams"), { status: 200, body: "a" });
    assert.ok(performance.now() - started >= 400, "the body came 400 ms after the headers");
    const [exchange] = exchanges;
    assert.ok(exchange && exchange.latencyMs !== null);
    assert.ok(exchange.latencyMs < 200, `TargetResponseTime ${exchange.latencyMs} ms`);
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

describe("security groups between the load balancer and its targets", () => {
  const rule = (port: number, groupId: string): SecurityGroupRule => ({
    origin: { logicalId: `From${groupId}`, constructPath: `Stack/${groupId}Rule` },
    protocol: "tcp",
    fromPort: port,
    toPort: port,
    peer: { groupId },
  });
  const group = (id: string, ingress: SecurityGroupRule[]): SecurityGroup => ({
    origin: { logicalId: id, constructPath: `Stack/${id}/Resource` },
    description: id,
    ingress,
    egress: [
      {
        origin: { logicalId: `${id}Out`, constructPath: `Stack/${id}Out` },
        protocol: "-1",
        fromPort: 0,
        toPort: 65535,
        peer: { cidr: "0.0.0.0/0" },
      },
    ],
  });
  // The web service registers in the "Open" group, the api service in the "Shut" one.
  const attached = (name: string, groupId: string, targetGroupId: string): Service => ({
    ...service({ name }),
    securityGroupIds: [groupId],
    loadBalancers: [{ targetGroupId, containerName: name, containerPort: 3000 }],
  });
  // The ALB may reach the web service on 3000; the api service lets in nobody.
  const network = {
    services: [attached("web", "Web", "Open"), attached("api", "Api", "Shut")],
    vpcCidrs: ["10.0.0.0/16"],
    securityGroups: [group("Alb", []), group("Web", [rule(3000, "Alb")]), group("Api", [])],
  };

  /** A target on a unix socket that counts the connections it gets. */
  async function target(t: TestContext, dir: string, id: string) {
    const socketPath = join(dir, `${id}.sock`);
    const server = createHttpServer((_req, res) => res.end(id));
    const seen = { connections: 0 };
    server.on("connection", () => seen.connections++);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { socketPath, seen };
  }

  /** A target group of the listener: 1 s connect timeout, unhealthy after 2 failures. */
  const targetGroup = (id: string): TargetGroup => ({
    origin: { logicalId: id, constructPath: `Stack/${id}/Targets` },
    port: 3000,
    protocol: "HTTP",
    targetType: "ip",
    healthCheck: {
      path: "/",
      matcher: "200",
      intervalMs: 2_500,
      timeoutMs: 5_000,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
    },
    deregistrationDelayMs: 0,
  });

  /** `/shut…` goes to the group of the api service, anything else to the web service's. */
  async function alb(t: TestContext, targets: Record<string, readonly TargetRegistration[]>) {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const told: string[] = [];
    const gate = new SecurityGroupGate(network, (b) => told.push(b.verdict.message));
    const rule = { origin, priority: 1, pathPatterns: ["/shut*"], hostHeaders: [] };
    const listener = new LoadBalancerListener({
      listener: {
        origin,
        port: 80,
        protocol: "HTTP",
        defaultTargetGroupId: "Open",
        rules: [{ ...rule, targetGroupId: "Shut" }],
      },
      targetGroups: [targetGroup("Open"), targetGroup("Shut")],
      targets: { registeredTargets: (group) => targets[group] ?? [] },
      hostPort: port,
      // The ALB's 10 s connect timeout is 1 s at this scale.
      clock: clock(10),
      logger: pino({ level: "silent" }),
      securityGroups: { gate, loadBalancer: { name: "Stack/Alb", securityGroupIds: ["Alb"] } },
    });
    await listener.start();
    t.after(() => listener.close());
    return { listener, told, url: `http://127.0.0.1:${port}` };
  }

  async function unhealthy(listener: LoadBalancerListener, group: string): Promise<number> {
    const started = Date.now();
    while (listener.unhealthyTargets(group) === 0) {
      if (Date.now() - started > 8_000) throw new Error(`no unhealthy target in ${group}`);
      await sleep(50);
    }
    return Date.now() - started;
  }

  const MESSAGE =
    "security groups block Stack/Alb → api on tcp/3000: no ingress rule of Api (Stack/Api/Resource) allows it from Alb or from a CIDR covering 10.0.0.0/16; if Stack/Alb should reach api, add one in the CDK app (connections.allowFrom).";

  test("a target the groups block is never connected to and fails its checks; the allowed one serves", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-alb-sg-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const open = await target(t, dir, "open");
    const shut = await target(t, dir, "shut");
    const { listener, told, url } = await alb(t, {
      Open: [{ taskId: "open", socketPath: open.socketPath }],
      Shut: [{ taskId: "shut", socketPath: shut.socketPath }],
    });
    const took = await unhealthy(listener, "Shut");
    assert.equal(listener.targetHealthy("open"), true);
    assert.equal(listener.targetHealthy("shut"), false);
    // Two failed checks, each a 1 s connect timeout, the second 250 ms after the first.
    assert.ok(took >= 2_000 && took < 4_000, `unhealthy after ${took} ms`);
    assert.equal(shut.seen.connections, 0, "no connection reached the blocked target");
    const bodies = [];
    for (let i = 0; i < 4; i++) bodies.push(await (await fetch(`${url}/page`)).text());
    assert.deepEqual(bodies, ["open", "open", "open", "open"], "the allowed target serves");
    assert.deepEqual(told, [MESSAGE]);
  });

  test("a request to a blocked target waits out the connect timeout and answers 504", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "ecs-local-alb-sg-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const shut = await target(t, dir, "shut");
    const { listener, told, url } = await alb(t, {
      Shut: [{ taskId: "shut", socketPath: shut.socketPath }],
    });
    await unhealthy(listener, "Shut");
    // No target of the group is healthy: the ALB fails open and tries the unhealthy one.
    const started = Date.now();
    const response = await fetch(`${url}/shut`);
    const took = Date.now() - started;
    assert.equal(response.status, 504);
    assert.equal(await response.text(), "504 Gateway Time-out\n");
    assert.ok(took >= 950 && took < 2_000, `504 after ${took} ms`);
    assert.equal(shut.seen.connections, 0);
    assert.deepEqual(told, [MESSAGE], "told once for the pair, checks and request together");
  });
});
