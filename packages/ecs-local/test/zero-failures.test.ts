/**
 * Tasks go away under load and no request fails: Service Connect retries on another endpoint,
 * a stopping task leaves Cloud Map before it stops taking connections, and the ALB drains it.
 * app/infra with three backend tasks; autocannon `-c 50` from inside a frontend task to
 * `backend-container.local:5000`, as the frontend itself calls it. Scaling is suspended so the
 * load does not change the counts under test.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RunStatus } from "../src/api/control-plane-view.js";
import { cli, freePort, REPO_ROOT, UpProcess, waitUntil } from "./support/ecs-local-run.js";
import { failed, load, taskProcesses } from "./support/load.js";

const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-zero-"));
const BACKEND_URL = "http://backend-container.local:5000/api/message";
let up: UpProcess;
let albUrl: string;

async function api<T>(path: string): Promise<T> {
  const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
  return (await (await fetch(`${state.apiUrl}${path}`)).json()) as T;
}

const backend = async () =>
  (await api<RunStatus>("/v1/status")).services.find((s) => s.name === "backend-service");

async function healthyBackends(count: number): Promise<void> {
  await waitUntil(
    async () => {
      const service = await backend();
      return service?.healthyCount === count && service.runningCount === count ? true : undefined;
    },
    90_000,
    `${count} healthy backend tasks`,
  );
}

async function frontendHolder(): Promise<number> {
  return (await api<{ holderPid: number }>("/v1/exec/frontend")).holderPid;
}

describe("no request fails while backend tasks go away", { timeout: 600_000 }, () => {
  before(async () => {
    const port = await freePort();
    albUrl = `http://127.0.0.1:${port}/`;
    up = new UpProcess(stateDir, [
      "--app",
      join(REPO_ROOT, "app/infra"),
      "--listener-port",
      `80=${port}`,
      "--suspend-scaling",
    ]);
    await up.waitFor(/all services healthy/, 480_000);
    assert.equal((await cli(stateDir, ["scale", "backend", "3"])).code, 0);
    await healthyBackends(3);
  });

  after(async () => {
    if (up.child.exitCode === null) {
      await cli(stateDir, ["down"], 180_000);
      await up.exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("kill -9 of one of three backend tasks' app under load: 0 failed", async (t) => {
    const victim = (await api<{ holderPid: number }>("/v1/exec/backend")).holderPid;
    const app = taskProcesses(victim).find((p) => p.cmdline.includes("dist/server.js"));
    assert.ok(app, "the backend's app process");
    const running = load({
      url: BACKEND_URL,
      connections: 50,
      seconds: 8,
      holderPid: await frontendHolder(),
    });
    await new Promise((r) => setTimeout(r, 2_500));
    process.kill(app.pid, "SIGKILL");
    const result = await running;
    t.diagnostic(`${result.requests} requests, ${failed(result)} failed`);
    assert.ok(result.ok > 1000, `${result.ok} answered`);
    assert.equal(failed(result), 0, JSON.stringify(result));
    await healthyBackends(3);
  });

  test("scale 3 → 1 under load: 0 failed", async (t) => {
    const running = load({
      url: BACKEND_URL,
      connections: 50,
      seconds: 8,
      holderPid: await frontendHolder(),
    });
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal((await cli(stateDir, ["scale", "backend", "1"])).code, 0);
    const result = await running;
    t.diagnostic(`${result.requests} requests, ${failed(result)} failed`);
    assert.ok(result.ok > 1000, `${result.ok} answered`);
    assert.equal(failed(result), 0, JSON.stringify(result));
    await healthyBackends(1);
  });

  test("down under load through the ALB finishes within the scaled drain and stop timeouts", async (t) => {
    const running = load({ url: albUrl, connections: 10, seconds: 6 });
    await new Promise((r) => setTimeout(r, 2_000));
    const started = Date.now();
    const down = await cli(stateDir, ["down"], 180_000);
    const took = Date.now() - started;
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await up.exited, 0);
    await running;
    // Per service, one after the other: the ALB's deregistration delay (300 s), the stop
    // timeout (30 s) and the agent's drain (20 s), each a tenth at --time-scale 10.
    const boundMs = 2 * (30_000 + 3_000 + 2_000);
    t.diagnostic(`down took ${took} ms (bound ${boundMs} ms)`);
    assert.ok(took < boundMs, `down took ${took} ms`);
  });
});
