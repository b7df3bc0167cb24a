// The walk-through's load experiment: `ab -c 100 -n 10000` against the ALB of app/infra under
// ecs-local, watching the services scale out and Cloud Map gain instances, then waiting out
// the scale-in. It runs two settings, one after the other:
//  1. the stack as written: memory target tracking at 20 % (the walk-through's);
//  2. a second setting that scales on load: -c memoryTarget=40 -c cpuTarget=50.
// For each it prints a timeline (one line per 10 s: tasks, Cloud Map instances, memory and CPU
// utilization against the targets, scaling activities), the failed requests, and the rps
// through the ALB beside the frontend hit directly inside its task, in the same run.
// Usage: node bench/load.mjs [--requests 10000] [--concurrency 100] [--settings 1,2]
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";

const root = join(import.meta.dirname, "..");
const cli = join(root, "packages/ecs-local/bin/ecs-local.mjs");
const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "100" },
    settings: { type: "string", default: "1,2" },
    "settle-seconds": { type: "string", default: "240" },
    "idle-seconds": { type: "string", default: "24" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const SETTLE_MS = Number(values["settle-seconds"]) * 1000;
// Before the load: long enough (4 AWS minutes at --time-scale 10) for the high alarm to see
// three idle datapoints, so the timeline shows whether the service scales with no load at all.
const IDLE_MS = Number(values["idle-seconds"]) * 1000;
const SETTINGS = [
  { name: "as written: memory target tracking at 20 %", context: [] },
  {
    name: "a load-driven setting: -c memoryTarget=40 -c cpuTarget=50",
    context: ["memoryTarget=40", "cpuTarget=50"],
  },
].filter((_, i) => values.settings.split(",").includes(String(i + 1)));

const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-load-"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = (args, options = {}) =>
  promisify(execFile)(process.execPath, [cli, "--state-dir", stateDir, ...args], {
    maxBuffer: 16 * 1024 * 1024,
    ...options,
  });

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `ab`'s summary lines that matter here. */
function parseAb(text) {
  const number = (label) =>
    Number(new RegExp(`${label}:\\s+([\\d.]+)`).exec(text)?.[1] ?? Number.NaN);
  return {
    complete: number("Complete requests"),
    failed: number("Failed requests"),
    // ab counts a response of another length as failed: say which kind each failure was.
    breakdown: /\(Connect: \d+, Receive: \d+, Length: \d+, Exceptions: \d+\)/.exec(text)?.[0] ?? "",
    non2xx: number("Non-2xx responses") || 0,
    rps: number("Requests per second"),
  };
}

async function status() {
  const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
  const [s, usage] = await Promise.all([
    fetch(`${state.apiUrl}/v1/status`).then((r) => r.json()),
    fetch(`${state.apiUrl}/v1/usage`).then((r) => r.json()),
  ]);
  return { status: s, usage };
}

/** One timeline line: per service tasks, Cloud Map, memory and CPU now, policies' datapoints. */
function timelineLine(elapsedS, { status: s, usage }) {
  const parts = s.services.map((service) => {
    const rows = usage.filter((u) => u.service === service.name);
    const pct = (used, reserved) =>
      reserved > 0 ? `${((100 * used) / reserved).toFixed(0)}%` : "-";
    const sum = (f) => rows.reduce((n, r) => n + f(r), 0);
    const memory = pct(
      sum((r) => r.memoryMiB),
      sum((r) => r.reservedMemoryMiB),
    );
    const cpu = pct(
      sum((r) => r.cpuUnits),
      sum((r) => r.reservedCpuUnits),
    );
    const instances = service.cloudMap.map((c) => c.instances).join("/");
    const policies = (service.scaling?.policies ?? [])
      .map(
        (p) =>
          `${p.metric.includes("CPU") ? "cpu" : "mem"} ${p.value === undefined ? "-" : p.value.toFixed(1)}/${p.target}`,
      )
      .join(" ");
    const short = service.name.replace(/-service$/, "");
    return `${short} ${service.runningCount}/${service.desiredCount} map ${instances} mem ${memory} cpu ${cpu} [${policies}]`;
  });
  return `${String(elapsedS).padStart(4)}s  ${parts.join("  |  ")}`;
}

async function oneSetting(setting) {
  const port = await freePort();
  console.log(`\n=== ${setting.name}`);
  const contextArgs = setting.context.flatMap((c) => ["-c", c]);
  const up = spawn(
    process.execPath,
    [
      cli,
      "--state-dir",
      stateDir,
      "up",
      "--app",
      join(root, "app/infra"),
      "--listener-port",
      `80=${port}`,
      ...contextArgs,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  up.stdout.on("data", (c) => {
    output += c;
  });
  const exited = new Promise((r) => up.on("exit", r));
  while (!output.includes("all services healthy")) {
    if (up.exitCode !== null) throw new Error(`up exited ${up.exitCode}:\n${output}`);
    await sleep(200);
  }
  const started = Date.now();
  let seenEvents = 0;
  const maxTasks = {};
  const printTimeline = async () => {
    const snapshot = await status();
    for (const s of snapshot.status.services)
      maxTasks[s.name] = Math.max(maxTasks[s.name] ?? 0, s.runningCount);
    console.log(timelineLine(Math.round((Date.now() - started) / 1000), snapshot));
    const { stdout } = await run(["events"]);
    const scaling = stdout.split("\n").filter((l) => l.includes("  scaling  "));
    for (const line of scaling.slice(seenEvents)) {
      console.log(
        `        ${line.replace(/^\S+\s+/, "").replace(/ Cause: monitor alarm TargetTracking-service\/[^/]+\/\S+-(Alarm\w+)-\S+ in state ALARM triggered policy \S+/, " ($1)")}`,
      );
    }
    seenEvents = scaling.length;
    return snapshot;
  };
  const ticker = setInterval(() => void printTimeline().catch(() => {}), 10_000);
  await printTimeline();
  await sleep(IDLE_MS);
  const idle = await status();
  console.log("        load starts");

  const ab = await promisify(execFile)(
    "ab",
    ["-q", "-c", String(CONCURRENCY), "-n", String(REQUESTS), `http://127.0.0.1:${port}/`],
    {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 900_000,
    },
  ).then((r) => parseAb(r.stdout));
  console.log(
    `        ab through the ALB: ${ab.complete} requests, ${ab.failed} failed ${ab.breakdown}, ${ab.non2xx} non-2xx, ${ab.rps.toFixed(0)} rps`,
  );

  // Wait out the scale-in: back to the minimum, or until the settle time runs out.
  const loadEnded = Date.now();
  for (;;) {
    await sleep(2_000);
    const { status: s } = await status();
    const atMin = s.services.every(
      (x) => x.desiredCount === (x.scaling?.minCapacity ?? 1) && x.runningCount === x.desiredCount,
    );
    if (atMin || Date.now() - loadEnded > SETTLE_MS) break;
  }
  await printTimeline();
  clearInterval(ticker);
  // The frontend alone, hit inside its own task after the run settled: what the app serves
  // without the ALB in front (its SSR still calls the backend through Service Connect).
  const direct = await run(
    [
      "exec",
      "frontend",
      "--",
      "ab",
      "-q",
      "-c",
      String(CONCURRENCY),
      "-n",
      String(Math.min(REQUESTS, 2000)),
      "http://127.0.0.1:3000/",
    ],
    { timeout: 600_000 },
  ).then((r) => parseAb(r.stdout));
  console.log(
    `        frontend direct (inside its task): ${direct.rps.toFixed(0)} rps, ${direct.failed} failed`,
  );

  await run(["down"], { timeout: 180_000 });
  await exited;
  const idleMemory = idle.status.services.map((s) => {
    const p = s.scaling?.policies.find((x) => x.metric.includes("Memory"));
    return `${s.name} ${p?.value === undefined ? "n/a" : `${p.value.toFixed(1)} %`} (target ${p?.target})`;
  });
  return {
    setting: setting.name,
    ab,
    direct,
    maxTasks,
    idleMemory,
    scaledBeforeLoad: idle.status.services.map((s) => `${s.name} ${s.desiredCount}`),
  };
}

try {
  await run(["doctor", "--fix", "--with", "ab"], { timeout: 900_000 }).catch((error) => {
    throw new Error(`the load experiment needs ApacheBench: ${error.stdout ?? error.message}`);
  });
  const results = [];
  for (const setting of SETTINGS) results.push(await oneSetting(setting));
  console.log("\n=== summary");
  for (const r of results) {
    console.log(`${r.setting}`);
    console.log(
      `  memory utilization when idle: ${r.idleMemory.join(", ")}; tasks before the load: ${r.scaledBeforeLoad.join(", ")}`,
    );
    console.log(
      `  most tasks during the run: ${Object.entries(r.maxTasks)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
    console.log(
      `  failed requests: ${r.ab.failed} of ${r.ab.complete} ${r.ab.breakdown} (non-2xx ${r.ab.non2xx})`,
    );
    console.log(
      `  rps through the ALB: ${r.ab.rps.toFixed(0)}; frontend direct inside its task: ${r.direct.rps.toFixed(0)} (ALB/direct ${(r.ab.rps / r.direct.rps).toFixed(2)}×)`,
    );
  }
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
