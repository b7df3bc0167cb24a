/**
 * `up -d`: it returns once every service is healthy and the run lives on in the background,
 * where `ps`, `logs -f` and `down` reach it like a foreground run; a second `up` in the same
 * folder is refused with how to stop the first.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isRunning } from "../src/sandbox/procs.js";
import {
  CLI,
  cli,
  freePort,
  get,
  processesUnder,
  REPO_ROOT,
  waitUntil,
} from "./support/ecs-local-run.js";

const POLYGLOT_APP = fileURLToPath(new URL("./fixtures/polyglot-app", import.meta.url));

test("up -d returns when healthy; ps, logs -f and down work on the background run", {
  timeout: 400_000,
}, async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-detached-"));
  t.after(async () => {
    await cli(stateDir, ["down"], 120_000);
    rmSync(stateDir, { recursive: true, force: true });
  });
  const port = await freePort();

  const up = await cli(
    stateDir,
    ["up", "-d", "--app", POLYGLOT_APP, "--listener-port", `80=${port}`],
    300_000,
  );
  assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
  assert.match(up.stdout, /all services healthy/);
  assert.match(up.stdout, new RegExp(`load balancer {2}http://127\\.0\\.0\\.1:${port}/`));
  assert.match(up.stdout, /running in the background \(pid \d+\); `ecs-local down` stops it/);
  const { pid } = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
  assert.ok(isRunning(pid), "the background run outlives `up -d`");

  const page = await get(`http://127.0.0.1:${port}/`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Hello from Flask/);

  const second = await cli(stateDir, ["up", "--app", POLYGLOT_APP]);
  assert.equal(second.code, 2);
  assert.match(second.stderr, new RegExp(`A run is already active in .* \\(pid ${pid},`));
  assert.match(second.stderr, /stop it with `ecs-local down`/);

  const ps = await cli(stateDir, ["ps"]);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /^web {2}desired 1 {2}running 1 {2}healthy 1/m);
  assert.match(ps.stdout, /^api {2}desired 1 {2}running 1 {2}healthy 1/m);
  // Each running task shows its address on the run network.
  assert.equal(
    ps.stdout.match(/^ {2}\w{12} {2}RUNNING .* 10\.0\.\d+\.\d+$/gm)?.length,
    2,
    ps.stdout,
  );

  // logs -f: the history first, then it follows until stopped.
  const follower = spawn(process.execPath, [CLI, "--state-dir", stateDir, "logs", "web", "-f"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => follower.kill());
  let followed = "";
  follower.stdout.on("data", (chunk: Buffer) => {
    followed += chunk.toString("utf8");
  });
  await waitUntil(
    () => (/^web\/\w{8} web \| web listening on 3000/m.test(followed) ? true : undefined),
    20_000,
    "logs -f to show the web container's start line",
  );
  assert.equal(follower.exitCode, null, "logs -f keeps following");
  follower.kill();

  const down = await cli(stateDir, ["down"], 120_000);
  assert.equal(down.code, 0, down.stderr);
  await waitUntil(() => (isRunning(pid) ? undefined : true), 30_000, "the background run to exit");
  await waitUntil(
    () => (processesUnder(stateDir).length === 0 ? true : undefined),
    10_000,
    "no process of the run left",
  );
  assert.match(readFileSync(join(stateDir, "up.log"), "utf8"), /no task is left running/);
});
