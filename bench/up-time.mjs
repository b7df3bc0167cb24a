// Measures, side by side in one run:
//  - a warm `ecs-local up` of app/infra (images prepared, synth cached: nothing changed since
//    the first run) until "all services healthy", split into planning (synth or its cache,
//    model) and start-to-healthy; and one `up --fresh`, which synthesizes anew, beside it;
//  - the two apps' own start time: the same prepared backend and frontend started directly on
//    loopback, one after the other as `up` starts them, until each answers its health path;
//  - the resident memory of each Service Connect agent (haproxy) and of each app container.
// Usage: node bench/up-time.mjs [runs=3]
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const cli = join(root, "packages/ecs-local/bin/ecs-local.mjs");
const runs = Number(process.argv[2] ?? 3);
const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-bench-"));

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kb) => (kb / 1024).toFixed(1);

function runCli(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, "--state-dir", stateDir, ...args], {
      stdio: "ignore",
    });
    child.on("exit", resolve);
  });
}

async function warmUp(port, extra = []) {
  const started = performance.now();
  const child = spawn(
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
      ...extra,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const marks = {};
  let output = "";
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const now = performance.now() - started;
      if (!marks.planned && output.includes("▸ plan for stack")) marks.planned = now;
      if (output.includes("reusing it (--fresh synthesizes)")) marks.cachedSynth = true;
      if (!marks.starting && output.includes("▸ starting services")) marks.starting = now;
      if (output.includes("all services healthy")) {
        marks.healthy = now;
        resolve();
      }
    });
    child.on("exit", (code) => reject(new Error(`up exited ${code}:\n${output}`)));
  });
  const memory = residentMemory();
  await runCli(["down"]);
  await exited;
  return { ...marks, memory };
}

function residentMemory() {
  const agents = [];
  const containers = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (!cmdline.includes(stateDir) && !cwd.startsWith(stateDir)) continue;
      const rss = Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0,
      );
      if (/^(\S*\/)?haproxy /.test(cmdline)) agents.push(rss);
      // Containers run from their image folder (Next.js renames its process, so no cmdline test).
      else if (cwd.startsWith(join(stateDir, "images"))) containers.push(rss);
    } catch {}
  }
  return { agents, containers };
}

function imageDir(file) {
  const images = join(stateDir, "images");
  for (const hash of readdirSync(images)) {
    for (const stage of readdirSync(join(images, hash))) {
      const dir = join(images, hash, stage, "app");
      if (existsSync(join(dir, file))) return dir;
    }
  }
  throw new Error(`no prepared image with ${file}`);
}

async function timeUntilAnswered(argv, cwd, env, url) {
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env: { ...process.env, ...env },
    stdio: "ignore",
  });
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ms: performance.now() - started, child };
}

async function appsOwnStart() {
  const backendPort = await freePort();
  const frontendPort = await freePort();
  const backend = await timeUntilAnswered(
    ["node", "dist/server.js"],
    imageDir("dist/server.js"),
    { HOST: "127.0.0.1", PORT: String(backendPort), NODE_ENV: "production" },
    `http://127.0.0.1:${backendPort}/healthcheck`,
  );
  const frontend = await timeUntilAnswered(
    ["node", "server.js"],
    imageDir("server.js"),
    {
      HOSTNAME: "127.0.0.1",
      PORT: String(frontendPort),
      NODE_ENV: "production",
      BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    },
    `http://127.0.0.1:${frontendPort}/`,
  );
  backend.child.kill();
  frontend.child.kill();
  return { backend: backend.ms, frontend: frontend.ms, total: backend.ms + frontend.ms };
}

try {
  console.log("preparing images (first, cold run; not measured)…");
  await warmUp(await freePort());
  const ups = [];
  const apps = [];
  for (let i = 0; i < runs; i++) {
    ups.push(await warmUp(await freePort()));
    apps.push(await appsOwnStart());
  }
  const fresh = await warmUp(await freePort(), ["--fresh"]);
  if (!ups.every((u) => u.cachedSynth)) throw new Error("a warm up did not reuse its synth");
  const synth = median(ups.map((u) => u.planned));
  const startToHealthy = median(ups.map((u) => u.healthy - u.starting));
  const total = median(ups.map((u) => u.healthy));
  const own = median(apps.map((a) => a.total));
  const last = ups.at(-1).memory;
  console.log(`\nwarm ecs-local up of app/infra, median of ${runs} runs`);
  console.log(`  start, host check, cached synth, model   ${(synth / 1000).toFixed(2)} s`);
  console.log(`  start → all healthy                     ${(startToHealthy / 1000).toFixed(2)} s`);
  console.log(`  total                                   ${(total / 1000).toFixed(2)} s`);
  console.log(
    `  one \`up --fresh\` (synthesizes anew): total ${(fresh.healthy / 1000).toFixed(2)} s, of which planning ${(fresh.planned / 1000).toFixed(2)} s`,
  );
  console.log(`apps' own start (backend then frontend, direct on loopback)`);
  console.log(
    `  backend ${median(apps.map((a) => a.backend)).toFixed(0)} ms, frontend ${median(apps.map((a) => a.frontend)).toFixed(0)} ms, total ${(own / 1000).toFixed(2)} s`,
  );
  console.log(
    `ratio start→healthy / apps' own start: ${(startToHealthy / own).toFixed(1)}×;  total up / apps' own start: ${(total / own).toFixed(1)}×`,
  );
  const budget = own + 2000;
  console.log(
    `goal: warm up ≤ apps' own start + 2 s = ${(budget / 1000).toFixed(2)} s; measured ${(total / 1000).toFixed(2)} s (${(total / budget).toFixed(2)}× the budget) → ${total <= budget ? "met" : "NOT met"}`,
  );
  console.log(
    `RSS per Service Connect agent: ${last.agents.map(mib).join(", ")} MiB;  per app container: ${last.containers.map(mib).join(", ")} MiB`,
  );
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
