// The Service Connect data path, measured side by side in one run (issue 9's benchmark):
//  - throughput (wrk, same client and concurrency everywhere) of the backend hit directly
//    inside its task, through Service Connect from the frontend task, through a reference
//    pair of plain haproxy processes in the same two tasks (ECS's two-proxy shape), and
//    through one plain haproxy in the frontend task (ecs-local's one-hop shape, on the run
//    network); a TCP alias against TCP direct, the same references in tcp mode, and the run
//    network with no proxy (bench/fixtures/tcp-app). It needs root, for the run network;
//  - latency at a fixed rate, open loop, microsecond histograms, direct and through the alias;
//  - the agents' memory after the load;
//  - the backend's own throughput inside ecs-local against the same build run bare on the host
//    with its logs sent to /dev/null: what capturing the logs costs.
// cgroups are turned off (ECS_LOCAL_CGROUPS=off): the task definitions' CPU quotas (0.25 vCPU
// for the backend) would otherwise measure the quota, not the path.
// Usage: node bench/data-path.mjs [--seconds 5] [--rounds 3] [--rate 1000] [--smoke]
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";

const root = join(import.meta.dirname, "..");
const cli = join(root, "packages/ecs-local/bin/ecs-local.mjs");
const client = join(import.meta.dirname, "support/fixed-rate-client.mjs");
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    rate: { type: "string", default: "1000" },
    "latency-seconds": { type: "string", default: "10" },
    smoke: { type: "boolean", default: false },
  },
});
// A smoke run (CI) goes through every step once, briefly: it proves the bench runs, not a figure.
const SECONDS = values.smoke ? 1 : Number(values.seconds);
const ROUNDS = values.smoke ? 1 : Number(values.rounds);
const RATE = values.smoke ? 200 : Number(values.rate);
const LATENCY_SECONDS = values.smoke ? 2 : Number(values["latency-seconds"]);
const CONNECTIONS = 50;
const NSENTER = ["--user", "--net", "--mount", "--uts", "--preserve-credentials"];

const work = mkdtempSync(join(tmpdir(), "ecs-local-data-path-"));
const env = { ...process.env, ECS_LOCAL_CGROUPS: "off" };
const exec = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Brings a CDK app up in the foreground; resolves once every service is healthy. */
async function up(app, stateDir) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    // Scaling suspended: the load must not change the tasks it measures.
    [
      cli,
      "--state-dir",
      stateDir,
      "up",
      "--app",
      app,
      "--listener-port",
      `80=${port}`,
      "--suspend-scaling",
    ],
    { env, stdio: ["ignore", "pipe", "inherit"] },
  );
  children.push(child);
  let output = "";
  child.stdout.on("data", (c) => {
    output += c;
  });
  while (!output.includes("all services healthy")) {
    if (child.exitCode !== null) throw new Error(`up exited ${child.exitCode}:\n${output}`);
    await sleep(200);
  }
  const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
  const task = async (service) => {
    const response = await fetch(`${state.apiUrl}/v1/exec/${service}`);
    return response.json();
  };
  const holder = async (service) => (await task(service)).holderPid;
  /** The first endpoint of a discovery name in Cloud Map: `ip:port` on the run network. */
  const endpoint = (discoveryName) => {
    const file = JSON.parse(readFileSync(join(stateDir, "run/endpoints.json"), "utf8"));
    const address = file.services[discoveryName]?.[0]?.address;
    if (!/^\d+\.\d+\.\d+\.\d+:\d+$/.test(address ?? "")) {
      throw new Error(
        `${discoveryName} has no endpoint on the run network (${address}); run as root`,
      );
    }
    return address;
  };
  return {
    holder,
    endpoint,
    taskId: async (service) => (await task(service)).taskId,
    down: async () => {
      await exec(process.execPath, [cli, "--state-dir", stateDir, "down"], { env });
      await new Promise((r) => (child.exitCode === null ? child.on("exit", r) : r()));
    },
  };
}

/** wrk's requests per second, run inside the namespaces of the task whose holder is `pid`. */
async function wrk(pid, url, seconds = SECONDS) {
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, url];
  const command = pid
    ? ["nsenter", "--target", String(pid), ...NSENTER, "--", "wrk", ...args]
    : ["wrk", ...args];
  const { stdout } = await exec(command[0], command.slice(1), { timeout: (seconds + 30) * 1000 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(stdout)?.[0];
  if (!(rps > 0)) throw new Error(`wrk printed no rate for ${url}:\n${stdout}`);
  return { rps, errors };
}

/**
 * Each path in turn, round after round, so a slow moment of the machine falls on every path
 * rather than on one. Returns the rates per path.
 */
async function interleaved(paths) {
  const rates = Object.fromEntries(paths.map((p) => [p.name, []]));
  // A second of each first, unrecorded: the JIT and the connection pools warm up.
  for (const path of paths) await wrk(path.pid, path.url, 1);
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of paths) {
      const { rps, errors } = await wrk(path.pid, path.url);
      rates[path.name].push(rps);
      if (errors) console.log(`  ${path.name}: ${errors}`);
    }
  }
  return rates;
}

async function fixedRate(pid, url) {
  const { stdout } = await exec(
    "nsenter",
    [
      "--target",
      String(pid),
      ...NSENTER,
      "--",
      process.execPath,
      client,
      url,
      String(RATE),
      String(LATENCY_SECONDS),
    ],
    { timeout: (LATENCY_SECONDS + 30) * 1000 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1));
}

/** The resident memory of every Service Connect agent (an haproxy) of a run, in KiB. */
function agentMemory(stateDir) {
  const prefix = join(stateDir, "run/");
  const found = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (!/(^|\/)haproxy$/.test(argv[0]) || !argv.some((a) => a.startsWith(prefix))) continue;
      const rss = Number(
        /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1],
      );
      found.push({
        task: argv
          .find((a) => a.startsWith(prefix))
          .split("/")
          .at(-2),
        rss,
      });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** The backend's prepared image: the folder ecs-local runs it from. */
function backendBuild(stateDir) {
  const images = join(stateDir, "images");
  for (const hash of readdirSync(images)) {
    const done = join(images, hash, "done");
    if (!existsSync(done)) continue;
    const { workdirHostPath } = JSON.parse(readFileSync(done, "utf8"));
    if (existsSync(join(workdirHostPath, "dist/server.js"))) return workdirHostPath;
  }
  throw new Error(`no backend build under ${images}`);
}

/**
 * The same build, started by hand on the host with its output discarded. Its metadata endpoint
 * is a stub that gives the task's own ARN and zone, so it answers the same bytes as in its task.
 */
async function bareBackend(dir, taskId) {
  const task = {
    TaskARN: `arn:aws:ecs:local-1:000000000000:task/ecs-web-app-cluster/${taskId}`,
    AvailabilityZone: "local-1a",
  };
  const metadata = http.createServer((_req, res) => res.end(JSON.stringify(task)));
  await new Promise((resolve) => metadata.listen(0, "127.0.0.1", resolve));
  const port = await freePort();
  const child = spawn(process.execPath, ["dist/server.js"], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${metadata.address().port}/v4/bare`,
    },
    stdio: "ignore",
  });
  children.push(child);
  const stop = () => {
    child.kill();
    metadata.close();
  };
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthcheck`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url: `http://127.0.0.1:${port}/api/message`, stop };
    await sleep(100);
  }
  stop();
  throw new Error("the bare backend did not answer within 10 s");
}

/**
 * The reference: haproxy in both roles, as plainly as it can be written, in the same tasks:
 * an http-mode listener in the frontend task, a tcp-mode one on a unix socket in the backend
 * task in front of the app (ECS's shape, two proxies). With `peer` (the app's `ip:port` on the
 * run network), the frontend task's listener alone, connecting to the app: ecs-local's shape.
 */
async function referencePair(
  backendPid,
  frontendPid,
  { appPort, mode, path, records = false, peer },
) {
  const name = `reference-${mode}${records ? "-records" : ""}${peer ? "-one-hop" : ""}`;
  const socket = join(work, `${name}.sock`);
  const admin = join(work, `${name}-admin.sock`);
  const port = 14_000 + (records ? 1 : 0) + (peer ? 2 : 0);
  const common =
    "defaults\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n";
  const inbound = `${common}frontend in\n    mode tcp\n    bind unix@${socket} mode 666\n    default_backend app\nbackend app\n    mode tcp\n    server app 127.0.0.1:${appPort}\n`;
  const reuse = mode === "http" ? "    http-reuse always\n" : "";
  // With records: the agent's request records (one request in ten), the same ring and format,
  // read as written.
  const global = records
    ? `global\n    stats socket ${admin} mode 600 level admin\nring sc-requests\n    format raw\n    size 262144\n`
    : "";
  const log = records
    ? '    log ring@sc-requests local0\n    log-format "%b %ST %Tr %B %U %tsc"\n    http-request set-log-level silent unless { rand(10) eq 0 }\n'
    : "";
  const outbound = `${global}${common}frontend out\n    mode ${mode}\n    bind 127.0.0.1:${port}\n${log}    default_backend peer\nbackend peer\n    mode ${mode}\n${reuse}    server peer ${peer ?? `unix@${socket}`}\n`;
  const start = (pid, name, text) => {
    const file = join(work, `${name}.cfg`);
    writeFileSync(file, text);
    const child = spawn(
      "nsenter",
      [
        "--target",
        String(pid),
        "--user",
        "--net",
        "--preserve-credentials",
        "--",
        "haproxy",
        "-db",
        "-f",
        file,
      ],
      { stdio: "ignore" },
    );
    children.push(child);
    return child;
  };
  const processes = [
    ...(peer ? [] : [start(backendPid, `${name}-in`, inbound)]),
    start(frontendPid, `${name}-out`, outbound),
  ];
  await sleep(500);
  const reader = records ? followRecords(admin) : undefined;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    records: () => reader?.count ?? 0,
    stop: () => {
      reader?.close();
      for (const p of processes) p.kill();
    },
  };
}

/** Reads a ring's records as they are written, as the control plane does, and counts them. */
function followRecords(adminSocket) {
  const socket = connect(adminSocket);
  const reader = { count: 0, close: () => socket.destroy() };
  let pending = "";
  socket.setEncoding("utf8");
  socket.on("connect", () => socket.write("show events sc-requests -w -n\n"));
  socket.on("data", (chunk) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.split(" ").length === 6) reader.count += 1;
  });
  socket.on("error", () => {});
  return reader;
}

const range = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return {
    median,
    text: sorted.length > 1 ? `${fmt(sorted[0])}–${fmt(sorted.at(-1))}` : fmt(median),
  };
};
const fmt = (rps) => (rps >= 10_000 ? `${(rps / 1000).toFixed(1)}k` : rps.toFixed(0));
const rows = [];
const row = (path, value, ratio, note = "") => rows.push([path, value, ratio, note]);

async function main() {
  await exec(process.execPath, [cli, "doctor", "--fix", "--with", "wrk"], { env }).catch((e) => {
    throw new Error(`ecs-local doctor --fix --with wrk failed:\n${e.stdout}${e.stderr}`);
  });
  console.log(
    `data path benchmark: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s × ${ROUNDS} rounds, ${RATE} rps × ${LATENCY_SECONDS} s for latency; cgroups off\n`,
  );

  const appState = join(work, "app");
  const app = await up(join(root, "app/infra"), appState);
  try {
    const backend = await app.holder("backend");
    const frontend = await app.holder("frontend");
    const reference = await referencePair(backend, frontend, {
      appPort: 5000,
      mode: "http",
      path: "/api/message",
    });
    const recorded = await referencePair(backend, frontend, {
      appPort: 5000,
      mode: "http",
      path: "/api/message",
      records: true,
    });
    const oneHop = await referencePair(backend, frontend, {
      appPort: 5000,
      mode: "http",
      path: "/api/message",
      peer: app.endpoint("backend-container"),
    });
    const bare = await bareBackend(backendBuild(appState), await app.taskId("backend"));
    const rates = await interleaved([
      { name: "direct", pid: backend, url: "http://127.0.0.1:5000/api/message" },
      {
        name: "service connect",
        pid: frontend,
        url: "http://backend-container.local:5000/api/message",
      },
      { name: "haproxy reference", pid: frontend, url: reference.url },
      { name: "one-hop reference", pid: frontend, url: oneHop.url },
      { name: "reference + records", pid: frontend, url: recorded.url },
      { name: "bare", pid: undefined, url: bare.url },
    ]);
    reference.stop();
    recorded.stop();
    oneHop.stop();
    bare.stop();
    const direct = range(rates.direct);
    const sc = range(rates["service connect"]);
    const ref = range(rates["haproxy reference"]);
    const bareRange = range(rates.bare);
    row("backend direct, inside its task", direct.text, "1.00");
    row(
      "Service Connect, frontend task → backend-container.local:5000",
      sc.text,
      (sc.median / direct.median).toFixed(2),
      `target ≥ 0.60, ≥ reference (${(sc.median / ref.median).toFixed(2)}× it)`,
    );
    row("haproxy reference pair, same tasks", ref.text, (ref.median / direct.median).toFixed(2));
    const plain = range(rates["one-hop reference"]);
    row(
      "one plain haproxy in the frontend task → the app on the run network",
      plain.text,
      (plain.median / direct.median).toFixed(2),
      `Service Connect is ${(sc.median / plain.median).toFixed(2)}× it: what the agent's semantics cost`,
    );
    const withRecords = range(rates["reference + records"]);
    row(
      "the reference writing Service Connect's request records, read as written",
      withRecords.text,
      (withRecords.median / direct.median).toFixed(2),
      `${(withRecords.median / ref.median).toFixed(2)}× the reference: what counting costs; ${recorded.records()} records read`,
    );
    row(
      "the same backend build bare on the host, logs to /dev/null",
      bareRange.text,
      `${(direct.median / bareRange.median).toFixed(2)} (in ecs-local ÷ bare)`,
      "target ≥ 0.90",
    );

    const latencyDirect = await fixedRate(backend, "http://127.0.0.1:5000/api/message");
    const latencySc = await fixedRate(frontend, "http://backend-container.local:5000/api/message");
    const ms = (us) => `${(us / 1000).toFixed(2)} ms`;
    for (const [name, l] of [
      ["direct", latencyDirect],
      ["Service Connect", latencySc],
    ]) {
      row(
        `${RATE} rps ${name}: p50 / p90 / p99 / max`,
        `${ms(l.p50)} / ${ms(l.p90)} / ${ms(l.p99)} / ${ms(l.max)}`,
        "",
        `${l.count} measured, ${l.errors} errors`,
      );
    }
    row(
      "added latency at p50 / p99",
      `${ms(latencySc.p50 - latencyDirect.p50)} / ${ms(latencySc.p99 - latencyDirect.p99)}`,
      "",
      "target ≤ 1 ms / ≤ 5 ms",
    );

    const memory = agentMemory(appState);
    const largest = Math.max(...memory.map((m) => m.rss));
    row(
      "agent memory after the load (VmRSS, per task)",
      `${memory.map((m) => (m.rss / 1024).toFixed(1)).join(", ")} MiB`,
      "",
      `largest ${(largest / 1024).toFixed(1)} MiB; target ≤ 25 MiB`,
    );
  } finally {
    await app.down();
  }

  const tcpState = join(work, "tcp");
  const tcp = await up(join(root, "bench/fixtures/tcp-app"), tcpState);
  try {
    const server = await tcp.holder("tcp-server");
    const caller = await tcp.holder("tcp-client");
    const reference = await referencePair(server, caller, {
      appPort: 7000,
      mode: "tcp",
      path: "/",
    });
    const oneHop = await referencePair(server, caller, {
      appPort: 7000,
      mode: "tcp",
      path: "/",
      peer: tcp.endpoint("raw"),
    });
    const network = `http://${tcp.endpoint("raw")}/`;
    const rates = await interleaved([
      { name: "tcp direct", pid: server, url: "http://127.0.0.1:7000/" },
      { name: "tcp alias", pid: caller, url: "http://tcp-server.local:7000/" },
      { name: "tcp reference", pid: caller, url: reference.url },
      { name: "tcp one-hop reference", pid: caller, url: oneHop.url },
      { name: "tcp network", pid: caller, url: network },
    ]);
    reference.stop();
    oneHop.stop();
    const direct = range(rates["tcp direct"]);
    const alias = range(rates["tcp alias"]);
    row("TCP direct, inside the server task", direct.text, "1.00");
    row(
      "TCP alias, client task → tcp-server.local:7000",
      alias.text,
      (alias.median / direct.median).toFixed(2),
      "target ≥ 0.80",
    );
    const ref = range(rates["tcp reference"]);
    row(
      "haproxy reference pair in tcp mode, same tasks",
      ref.text,
      (ref.median / direct.median).toFixed(2),
    );
    const plain = range(rates["tcp one-hop reference"]);
    row(
      "one plain haproxy in tcp mode in the client task → the app on the run network",
      plain.text,
      (plain.median / direct.median).toFixed(2),
    );
    const bareNetwork = range(rates["tcp network"]);
    row(
      "no proxy: the client task straight to the server's address on the run network",
      bareNetwork.text,
      (bareNetwork.median / direct.median).toFixed(2),
      "the run network's own cost",
    );
  } finally {
    await tcp.down();
  }

  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    `${"path".padEnd(widths[0])}  ${"rps".padEnd(widths[1])}  ${"× direct".padEnd(widths[2])}  note`,
  );
  for (const r of rows) {
    console.log(
      `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padEnd(widths[2])}  ${r[3]}`,
    );
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
