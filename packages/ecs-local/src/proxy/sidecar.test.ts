/**
 * End to end through real namespaces and sockets: two backend tasks (both on port 5000), a
 * frontend task whose /etc/hosts maps the Service Connect alias to its sidecar's egress.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { assignAliasAddresses } from "../sandbox/hosts-file.js";
import { isRunning } from "../sandbox/procs.js";
import { TaskSandbox } from "../sandbox/task-sandbox.js";
import { type Endpoint, writeEndpointsFile } from "./endpoints-file.js";
import type { SidecarConfig } from "./sidecar-config.js";
import { type SidecarCommand, sidecarCommand } from "./sidecar-launch.js";

const APP = `
const http = require("http"), net = require("net");
const id = process.argv[1];
http.createServer((req, res) => {
  const u = new URL(req.url, "http://x");
  if (u.pathname === "/slow") return void setTimeout(() => res.end(id + " slow done"), Number(u.searchParams.get("ms")));
  if (u.pathname === "/echo") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => res.end(JSON.stringify({ id, body, method: req.method, host: req.headers.host, xff: req.headers["x-forwarded-for"] })));
    return;
  }
  res.end(id);
}).listen(5000, "0.0.0.0", () => console.log("http up"));
net.createServer((s) => s.once("data", (d) => s.end(id + ":" + d))).listen(6000, "0.0.0.0", () => console.log("tcp up"));
`;

interface RunningSidecar {
  readonly child: ChildProcess;
  readonly logs: string[];
  readonly exited: Promise<number | null>;
}

async function startSidecar(
  command: SidecarCommand,
  sandbox: TaskSandbox,
  config: SidecarConfig,
): Promise<RunningSidecar> {
  const file = path.join(sandbox.dir, "sidecar.json");
  await writeFile(file, JSON.stringify(config));
  const child = sandbox.spawn(command(file), { stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  const exited = once(child, "exit").then(([code]) => code as number | null);
  child.stderr?.on("data", (c: Buffer) => logs.push(c.toString()));
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => {
      logs.push(line);
      if (line.includes('"sidecar ready"')) resolve();
    });
    void exited.then((code) => reject(new Error(`sidecar exited ${code}:\n${logs.join("\n")}`)));
  });
  return { child, logs, exited };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test("service connect between sandboxed tasks", async (t) => {
  const runDir = await mkdtemp(path.join(tmpdir(), "ecs-local-sc-"));
  const sandboxes: TaskSandbox[] = [];
  const allPids = new Set<number>();
  t.after(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    await rm(runDir, { recursive: true, force: true });
  });
  // The sidecar `up` runs: bundled from the sources here, dist/sidecar.mjs in a package.
  const command = await sidecarCommand(path.join(runDir, "sidecar"));

  const endpointsFile = path.join(runDir, "endpoints.json");
  let version = 0;
  const writeEndpoints = async (services: Record<string, Endpoint[]>): Promise<void> => {
    writeEndpointsFile(endpointsFile, {
      version: ++version,
      services: new Map(Object.entries(services)),
    });
  };

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
    { sandbox: TaskSandbox; sidecar: RunningSidecar; api: Endpoint; raw: Endpoint }
  >();
  await Promise.all(
    ["b1", "b2"].map(async (taskId) => {
      const sandbox = await TaskSandbox.create({ taskId, runDir, hosts: [] });
      sandboxes.push(sandbox);
      const app = sandbox.spawn([process.execPath, "-e", APP, taskId], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const appLines = createInterface({ input: app.stdout! });
      let up = 0;
      await new Promise<void>((resolve) => appLines.on("line", () => ++up === 2 && resolve()));
      const api = { taskId, socketPath: path.join(sandbox.dir, "api.sock") };
      const raw = { taskId, socketPath: path.join(sandbox.dir, "raw.sock") };
      const sidecar = await startSidecar(command, sandbox, {
        taskId,
        ingress: [
          { portName: "api", containerPort: 5000, socketPath: api.socketPath },
          { portName: "raw", containerPort: 6000, socketPath: raw.socketPath },
        ],
        egress: [],
        endpointsFile,
        drainMs: 5000,
      });
      backends.set(taskId, { sandbox, sidecar, api, raw });
    }),
  );
  const b1 = backends.get("b1")!;
  const b2 = backends.get("b2")!;
  await writeEndpoints({ "backend-container": [b1.api, b2.api], "backend-raw": [b1.raw, b2.raw] });

  const hostsBefore = await readFile("/etc/hosts", "utf8");
  const aliases = assignAliasAddresses(["backend-container.local", "backend-raw.local"]);
  const frontend = await TaskSandbox.create({ taskId: "f1", runDir, hosts: aliases });
  sandboxes.push(frontend);
  const frontSidecar = await startSidecar(command, frontend, {
    taskId: "f1",
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
    endpointsFile,
    metadata: { listenAddress: "169.254.170.2", listenPort: 80, upstreamSocketPath: controlSocket },
    drainMs: 5000,
  });
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
    const r = await curl("http://backend-container.local:5000/slow?ms=3000");
    assert.equal(r.status, 504);
  });

  await t.test(
    "endpoint updates: one endpoint, then a bad file (kept), then none (503)",
    async () => {
      await writeEndpoints({ "backend-container": [b2.api] });
      await until("only b2", async () => (await answers(2)).every((x) => x === "b2"));
      assert.deepEqual(await answers(4), ["b2", "b2", "b2", "b2"]);

      await writeFile(`${endpointsFile}.tmp`, "{ not json");
      await rename(`${endpointsFile}.tmp`, endpointsFile);
      await until("the rejection to be logged", async () =>
        frontSidecar.logs.some((l) => l.includes("endpoints file rejected")),
      );
      assert.deepEqual(await answers(2), ["b2", "b2"], "the last good snapshot is kept");

      await writeEndpoints({ "backend-container": [] });
      await until(
        "503",
        async () => (await curl("http://backend-container.local:5000/")).status === 503,
      );
      assert.match(
        (await curl("http://backend-container.local:5000/")).body,
        /no healthy endpoint for backend-container/,
      );
    },
  );

  await t.test("an unreachable endpoint answers 502", async () => {
    await writeEndpoints({
      "backend-container": [{ taskId: "gone", socketPath: path.join(runDir, "nope.sock") }],
    });
    await until(
      "502",
      async () => (await curl("http://backend-container.local:5000/")).status === 502,
    );
  });

  await t.test("task metadata answers 502 while the control plane is down", async () => {
    await new Promise((r) => control.close(r));
    const r = await curl("http://169.254.170.2/v4/f1-app/task");
    assert.equal(r.status, 502);
    await new Promise<void>((r) => control.listen(controlSocket, r));
    assert.equal((await curl("http://169.254.170.2/v4/f1-app/task")).status, 200);
  });

  await t.test("an idle sidecar's memory", async (t) => {
    const status = await readFile(`/proc/${frontSidecar.child.pid}/status`, "utf8");
    const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    t.diagnostic(`idle sidecar VmRSS: ${rss} kB`);
    assert.ok(Number(rss) > 0);
  });

  await t.test("SIGTERM drains an in-flight request, then the sidecar exits 0", async () => {
    await writeEndpoints({ "backend-container": [b1.api] });
    await until("only b1", async () => (await answers(2)).every((x) => x === "b1"));
    const slow = curl("http://backend-container.local:5000/slow?ms=800");
    await sleep(200);
    // As the control plane stops a task: deregister it, then signal its sidecar.
    await writeEndpoints({ "backend-container": [b2.api] });
    await sleep(100);
    const stopAt = Date.now();
    b1.sidecar.child.kill("SIGTERM");
    assert.deepEqual(await slow, { status: 200, body: "b1 slow done" });
    assert.equal(await b1.sidecar.exited, 0);
    const drainTook = Date.now() - stopAt;
    assert.ok(
      drainTook < 3000,
      `drain took ${drainTook} ms; pools of removed endpoints should have closed`,
    );
    assert.ok(b1.sidecar.logs.some((l) => l.includes('"drained"')));
    assert.deepEqual(await answers(2), ["b2", "b2"]);
  });

  await t.test("after close no process of any sandbox remains", async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    const left: number[] = [];
    for (const pid of allPids) if (isRunning(pid)) left.push(pid);
    assert.deepEqual(left, []);
  });
});
