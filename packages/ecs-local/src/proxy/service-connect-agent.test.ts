/**
 * End to end through real namespaces and sockets: two backend tasks (both on port 5000), a
 * frontend task whose /etc/hosts maps the Service Connect alias to its agent's egress, every
 * task with its own haproxy as ECS gives each its own Envoy, all on a run network as `up`
 * gives them when it runs as root.
 */
import assert from "node:assert/strict";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { ServiceConnectAgent } from "../control/service-connect-agent.js";
import { assignAliasAddresses } from "../sandbox/hosts-file.js";
import { isRunning } from "../sandbox/procs.js";
import { RunNetwork } from "../sandbox/run-network.js";
import { TaskSandbox } from "../sandbox/task-sandbox.js";
import { counter, serverRow } from "./agent-stats.js";
import type { Endpoint } from "./endpoints-file.js";

const APP = `
const http = require("http"), net = require("net");
const id = process.argv[1];
// Every connection either server accepts; "/connections" answers it, less its own.
let connections = 0;
http.createServer((req, res) => {
  const u = new URL(req.url, "http://x");
  if (u.pathname === "/slow") return void setTimeout(() => res.end(id + " slow done"), Number(u.searchParams.get("ms")));
  if (u.pathname === "/echo") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => res.end(JSON.stringify({ id, body, method: req.method, host: req.headers.host, xff: req.headers["x-forwarded-for"] })));
    return;
  }
  if (u.pathname === "/connections") return void res.end(String(connections - 1));
  if (u.pathname === "/unavailable-on-b1" && id === "b1") res.statusCode = 503;
  if (u.pathname === "/broken-on-b1" && id === "b1") res.statusCode = 500;
  res.end(id);
}).on("connection", () => connections++).listen(5000, "0.0.0.0", () => console.log("http up"));
net.createServer((s) => { connections++; s.once("data", (d) => s.end(id + ":" + d)); }).listen(6000, "0.0.0.0", () => console.log("tcp up"));
`;

const logger = pino({ level: "silent" });
// Envoy's outlier defaults at a tenth of their time, as `up` runs them at --time-scale 10.
const outlier = { consecutive5xx: 5, ejectionMs: 3000 };

function agentLog(sandbox: TaskSandbox): WriteStream {
  return createWriteStream(path.join(sandbox.dir, "agent.log"), { flags: "a" });
}

/** Whether a unix socket takes a connection now. */
function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("service connect between sandboxed tasks", async (t) => {
  const runDir = await mkdtemp(path.join(tmpdir(), "ecs-local-sc-"));
  const sandboxes: TaskSandbox[] = [];
  const allPids = new Set<number>();
  t.after(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    await rm(runDir, { recursive: true, force: true });
  });
  const agents: ServiceConnectAgent[] = [];
  t.after(() => Promise.all(agents.map((a) => a.stop())));
  const network = await RunNetwork.create();
  assert.ok(network instanceof RunNetwork, `no run network: ${JSON.stringify(network)}`);
  t.after(() => network.close());

  // A stand-in control plane for the task metadata endpoint.
  const controlSocket = path.join(runDir, "control.sock");
  const control = http.createServer((req, res) =>
    res.end(JSON.stringify({ url: req.url, metadata: true })),
  );
  await new Promise<void>((r) => control.listen(controlSocket, r));
  t.after(() => new Promise((r) => control.close(() => r(undefined))));
  control.unref();

  const backends = new Map<
    string,
    {
      sandbox: TaskSandbox;
      agent: ServiceConnectAgent;
      api: Endpoint;
      raw: Endpoint;
      /** The agent's ingress socket of port 5000, what the ALB connects to. */
      apiSocket: string;
    }
  >();
  await Promise.all(
    ["b1", "b2"].map(async (taskId) => {
      const sandbox = await TaskSandbox.create({ taskId, runDir, hosts: [] });
      sandboxes.push(sandbox);
      const app = sandbox.spawn([process.execPath, "-e", APP, taskId], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      assert.ok(app.stdout);
      const appLines = createInterface({ input: app.stdout });
      let up = 0;
      await new Promise<void>((resolve) => appLines.on("line", () => ++up === 2 && resolve()));
      const { address } = await network.attach(sandbox.holderPid);
      const api = { taskId, address: `${address}:5000` };
      const raw = { taskId, address: `${address}:6000` };
      const apiSocket = path.join(sandbox.dir, "api.sock");
      const agent = await ServiceConnectAgent.start({
        sandbox,
        config: {
          taskId,
          dir: sandbox.dir,
          ingress: [
            { portName: "api", containerPort: 5000, socketPath: apiSocket },
            {
              portName: "raw",
              containerPort: 6000,
              socketPath: path.join(sandbox.dir, "raw.sock"),
            },
          ],
          egress: [],
          adminSocket: path.join(sandbox.dir, "agent.sock"),
          drainMs: 5000,
          outlier,
        },
        takenPorts: [5000, 6000],
        endpoints: new Map(),
        log: agentLog(sandbox),
        logger,
      });
      agents.push(agent);
      backends.set(taskId, { sandbox, agent, api, raw, apiSocket });
    }),
  );
  const b1 = backends.get("b1");
  const b2 = backends.get("b2");
  assert.ok(b1 && b2);
  const both = new Map([
    ["backend-container", [b1.api, b2.api]],
    ["backend-raw", [b1.raw, b2.raw]],
  ]);

  const hostsBefore = await readFile("/etc/hosts", "utf8");
  const aliases = assignAliasAddresses(["backend-container.local", "backend-raw.local"]);
  const frontend = await TaskSandbox.create({ taskId: "f1", runDir, hosts: aliases });
  sandboxes.push(frontend);
  await network.attach(frontend.holderPid);
  const front = await ServiceConnectAgent.start({
    sandbox: frontend,
    config: {
      taskId: "f1",
      dir: frontend.dir,
      ingress: [],
      egress: [
        {
          address: "127.255.0.1",
          port: 5000,
          discoveryName: "backend-container",
          protocol: "http",
          perRequestTimeoutMs: 1500,
          idleTimeoutMs: 300_000,
        },
        {
          address: "127.255.0.2",
          port: 6000,
          discoveryName: "backend-raw",
          protocol: "tcp",
          perRequestTimeoutMs: 0,
          idleTimeoutMs: 3_600_000,
        },
      ],
      metadataSocket: controlSocket,
      adminSocket: path.join(frontend.dir, "agent.sock"),
      drainMs: 5000,
      outlier,
    },
    takenPorts: [],
    endpoints: both,
    log: agentLog(frontend),
    logger,
  });
  agents.push(front);
  const setEndpoints = (services: Record<string, Endpoint[]>) =>
    front.syncEndpoints(new Map(Object.entries(services)));
  for (const s of sandboxes) for (const pid of await s.pids()) allPids.add(pid);

  const curl = async (
    url: string,
    ...extra: string[]
  ): Promise<{ status: number; body: string }> => {
    const r = await frontend.exec(["curl", "-s", "-w", "\n%{http_code}", ...extra, url], {
      timeoutMs: 10_000,
    });
    const cut = r.stdout.lastIndexOf("\n");
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
  };
  const answers = async (n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await curl("http://backend-container.local:5000/")).body);
    return out;
  };

  await t.test(
    "the frontend's /etc/hosts has the Service Connect lines; the host's is unchanged",
    async () => {
      const r = await frontend.exec(["cat", "/etc/hosts"], { timeoutMs: 5000 });
      assert.match(r.stdout, /^127\.255\.0\.1 backend-container\.local$/m);
      assert.match(r.stdout, /^127\.255\.0\.2 backend-raw\.local$/m);
      assert.equal(await readFile("/etc/hosts", "utf8"), hostsBefore);
    },
  );

  await t.test("no check of the agents reaches an endpoint's app: Envoy sends none", async () => {
    // An agent checks each endpoint as it is added, and the frontend's were added at its start.
    await sleep(1_000);
    for (const b of [b1, b2]) {
      const r = await b.sandbox.exec(["curl", "-s", "http://127.0.0.1:5000/connections"], {
        timeoutMs: 5000,
      });
      assert.equal(r.stdout, "0", `connections to ${b.api.taskId}'s app before any call`);
    }
  });

  await t.test("round robin reaches both backends, each on its own port 5000", async () => {
    const got = await answers(6);
    assert.deepEqual([...new Set(got)].sort(), ["b1", "b2"]);
    assert.equal(got.filter((x) => x === "b1").length, 3);
  });

  await t.test("method, body, host and x-forwarded-for are relayed", async () => {
    const r = await curl(
      "http://backend-container.local:5000/echo",
      "-X",
      "PUT",
      "--data-binary",
      "hello body",
    );
    assert.equal(r.status, 200);
    const echo = JSON.parse(r.body);
    assert.equal(echo.method, "PUT");
    assert.equal(echo.body, "hello body");
    assert.equal(echo.host, "backend-container.local:5000");
    assert.equal(echo.xff, "127.0.0.1");
  });

  await t.test("tcp passthrough reaches both backends", async () => {
    const script = `const s=require("net").connect(6000,"backend-raw.local");s.end("hello");s.pipe(process.stdout)`;
    const got = new Set<string>();
    for (let i = 0; i < 4; i++)
      got.add((await frontend.exec([process.execPath, "-e", script], { timeoutMs: 5000 })).stdout);
    assert.deepEqual([...got].sort(), ["b1:hello", "b2:hello"]);
  });

  await t.test("task metadata is forwarded to the control plane socket", async () => {
    const r = await curl("http://169.254.170.2/v4/f1-app/task");
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { url: "/v4/f1-app/task", metadata: true });
  });

  await t.test("the per-request timeout answers 504", async () => {
    const r = await curl("http://backend-container.local:5000/slow?ms=2000");
    assert.equal(r.status, 504);
    // Let the endpoint finish the abandoned request, so nothing of it is left for the next test.
    await new Promise((resolve) => setTimeout(resolve, 800));
  });

  await t.test("endpoints follow Cloud Map at run time, with no reload of the agent", async () => {
    const pid = front.process.pid;
    await setEndpoints({ "backend-container": [b2.api] });
    assert.deepEqual(await answers(4), ["b2", "b2", "b2", "b2"]);

    await setEndpoints({ "backend-container": [b1.api, b2.api] });
    assert.deepEqual([...new Set(await answers(4))].sort(), ["b1", "b2"], "b1 is back");
    assert.equal(front.process.pid, pid, "the same haproxy throughout");

    await setEndpoints({ "backend-container": [] });
    const none = await curl("http://backend-container.local:5000/");
    assert.equal(none.status, 503);
    assert.match(none.body, /no healthy endpoint for backend-container/);
  });

  await t.test(
    "a dead endpoint among live ones costs no request: the retry goes elsewhere",
    async () => {
      // A task whose app is gone: its address refuses the connection.
      const gone = { taskId: "gone", address: b1.api.address.replace(/:5000$/, ":5999") };
      await setEndpoints({ "backend-container": [b1.api, gone, b2.api] });
      const statuses = [];
      for (let i = 0; i < 9; i++) {
        statuses.push((await curl("http://backend-container.local:5000/")).status);
      }
      assert.deepEqual(new Set(statuses), new Set([200]));
      const rows = await front.stats();
      const backend = serverRow(rows, "sc-backend-container", "BACKEND");
      assert.ok(counter(backend, "wredis") >= 1, "redispatched to another endpoint");
    },
  );

  await t.test("a 503 is retried on another endpoint", async () => {
    await setEndpoints({ "backend-container": [b1.api, b2.api] });
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await curl("http://backend-container.local:5000/unavailable-on-b1"), {
        status: 200,
        body: "b2",
      });
    }
  });

  await t.test(
    "five 5xx in a row eject an endpoint; it is back after the ejection time",
    async () => {
      const b1Status = async () =>
        serverRow(await front.stats(), "sc-backend-container", "task-b1")?.status ?? "";
      assert.match(await b1Status(), /^UP/);
      const seen: number[] = [];
      for (let i = 0; i < 10; i++) {
        seen.push((await curl("http://backend-container.local:5000/broken-on-b1")).status);
      }
      assert.equal(seen.filter((s) => s === 500).length, 5, `statuses ${seen.join(",")}`);
      assert.match(await b1Status(), /^DOWN/);
      assert.deepEqual(await answers(4), ["b2", "b2", "b2", "b2"], "only b2 while b1 is out");
      // The ejection time is 3 s here; the first check after it puts b1 back.
      const deadline = Date.now() + 8_000;
      while (!/^UP/.test(await b1Status())) {
        assert.ok(Date.now() < deadline, "b1 back in rotation within 8 s");
        await sleep(200);
      }
      assert.deepEqual([...new Set(await answers(4))].sort(), ["b1", "b2"]);
    },
  );

  await t.test("an unreachable endpoint answers 503, as Envoy's connect failure does", async () => {
    await setEndpoints({
      "backend-container": [{ taskId: "gone", address: b1.api.address.replace(/:5000$/, ":5999") }],
    });
    assert.equal((await curl("http://backend-container.local:5000/")).status, 503);
  });

  await t.test("task metadata answers 503 while the control plane is down", async () => {
    await new Promise((r) => control.close(r));
    const r = await curl("http://169.254.170.2/v4/f1-app/task");
    assert.equal(r.status, 503);
    await new Promise<void>((r) => control.listen(controlSocket, r));
    assert.equal((await curl("http://169.254.170.2/v4/f1-app/task")).status, 200);
  });

  await t.test("an idle agent's memory", async (t) => {
    const status = await readFile(`/proc/${front.process.pid}/status`, "utf8");
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    t.diagnostic(`idle agent (haproxy) VmRSS: ${rss} kB`);
    assert.ok(Number(rss) > 0);
  });

  await t.test(
    "without a run network an endpoint is the target agent's ingress socket: two hops",
    async () => {
      await setEndpoints({
        "backend-container": [
          { taskId: "b1", address: b1.apiSocket },
          { taskId: "b2", address: b2.apiSocket },
        ],
      });
      assert.deepEqual([...new Set(await answers(4))].sort(), ["b1", "b2"]);
    },
  );

  await t.test("draining refuses new inbound connections; outbound ones keep working", async () => {
    await setEndpoints({
      "backend-container": [
        { taskId: "b1", address: b1.apiSocket },
        { taskId: "b2", address: b2.apiSocket },
      ],
    });
    assert.equal(await accepts(b2.apiSocket), true);
    await b2.agent.drainInbound();
    assert.equal(await accepts(b2.apiSocket), false, "b2's ingress takes no connection");
    // A request that picks b2's socket fails to connect and is retried on b1: none fails.
    assert.deepEqual(await answers(4), ["b1", "b1", "b1", "b1"]);
    // On the run network the app is reached directly; the drain is Cloud Map's to do.
    await setEndpoints({ "backend-container": [] });
    await setEndpoints({ "backend-container": [b1.api, b2.api] });
    assert.deepEqual([...new Set(await answers(4))].sort(), ["b1", "b2"]);
  });

  await t.test("a soft stop lets an in-flight request finish, then the agent exits 0", async () => {
    await setEndpoints({ "backend-container": [b1.api] });
    const slow = curl("http://backend-container.local:5000/slow?ms=800");
    await sleep(200);
    // As the control plane stops a task: deregistered, its agent stops; the task's own
    // outbound request through it finishes first.
    await setEndpoints({ "backend-container": [] });
    const stopAt = Date.now();
    const stopped = front.stop();
    assert.deepEqual(await slow, { status: 200, body: "b1 slow done" });
    await stopped;
    assert.equal(front.process.exitCode, 0);
    const drainTook = Date.now() - stopAt;
    assert.ok(drainTook < 3000, `drain took ${drainTook} ms`);
  });

  await t.test("after close no process of any sandbox remains", async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    const left: number[] = [];
    for (const pid of allPids) if (isRunning(pid)) left.push(pid);
    assert.deepEqual(left, []);
  });
});

test("an agent that cannot start says why, from haproxy's own alert", async (t) => {
  const runDir = await mkdtemp(path.join(tmpdir(), "ecs-local-sc-"));
  const sandbox = await TaskSandbox.create({ taskId: "x1", runDir, hosts: [] });
  t.after(async () => {
    await sandbox.close();
    await rm(runDir, { recursive: true, force: true });
  });
  const missing = path.join(runDir, "no-such-folder", "api.sock");
  await assert.rejects(
    ServiceConnectAgent.start({
      sandbox,
      config: {
        taskId: "x1",
        dir: sandbox.dir,
        ingress: [{ portName: "api", containerPort: 5000, socketPath: missing }],
        egress: [],
        adminSocket: path.join(sandbox.dir, "agent.sock"),
        drainMs: 1000,
        outlier,
      },
      takenPorts: [5000],
      endpoints: new Map(),
      log: agentLog(sandbox),
      logger,
    }),
    (error: Error) => {
      assert.match(error.message, /Service Connect agent \(haproxy\) exited with 1/);
      assert.match(error.message, /cannot bind UNIX socket/);
      assert.match(error.message, /; see \S+agent\.log$/);
      return true;
    },
  );
});
