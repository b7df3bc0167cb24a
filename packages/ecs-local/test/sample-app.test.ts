/**
 * The repository's own CDK app (app/infra) under ecs-local, end to end: real synth, real
 * builds, real namespaces, Service Connect agents and sockets.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RunStatus } from "../src/api/control-plane-view.js";
import { NSENTER_FLAGS } from "../src/sandbox/host-tools.js";
import { describeExit, runProcess, succeeded } from "../src/sandbox/run-process.js";
import {
  cli,
  freePort,
  get,
  processesUnder,
  REPO_ROOT,
  UpProcess,
  waitUntil,
} from "./support/ecs-local-run.js";

const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-sample-"));
let up: UpProcess;
let albUrl: string;

async function status(): Promise<RunStatus> {
  const result = await cli(stateDir, ["ps"]);
  assert.equal(result.code, 0, result.stderr);
  const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
  const response = await fetch(`${state.apiUrl}/v1/status`);
  return (await response.json()) as RunStatus;
}

function service(s: RunStatus, name: string) {
  const found = s.services.find((x) => x.name === name);
  assert.ok(found, `service ${name} in ${s.services.map((x) => x.name)}`);
  return found;
}

async function messageFromFrontendTask(): Promise<{
  message: string;
  servedBy: { taskId: string };
}> {
  const result = await cli(stateDir, [
    "exec",
    "frontend",
    "--",
    "curl",
    "-sf",
    "http://backend-container.local:5000/api/message",
  ]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe("ecs-local up on app/infra", { timeout: 600_000 }, () => {
  before(async () => {
    const port = await freePort();
    albUrl = `http://127.0.0.1:${port}/`;
    up = new UpProcess(stateDir, [
      "--app",
      join(REPO_ROOT, "app/infra"),
      "--listener-port",
      `80=${port}`,
    ]);
    await up.waitFor(/all services healthy/, 480_000);
  });

  after(async () => {
    if (up.child.exitCode === null) {
      await cli(stateDir, ["down"], 120_000);
      await up.exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("prints the plan, the listener and the API", () => {
    assert.match(
      up.output,
      /service backend-service: 1 task\(s\), Service Connect backend-container\.local:5000/,
    );
    assert.match(
      up.output,
      /service frontend-service: 1 task\(s\), Service Connect frontend-container\.local:3000, after backend-service/,
    );
    assert.match(up.output, new RegExp(`load balancer  ${albUrl.replace(/\//g, "\\/")}`));
  });

  test("the ALB serves the page with the backend's message, through Service Connect", async () => {
    const page = await get(albUrl);
    assert.equal(page.status, 200);
    assert.match(page.body, /Hello from Fastify!/);
    assert.match(page.body, /Served by task/);
  });

  test("a frontend task's /etc/hosts carries the Service Connect aliases", async () => {
    const hosts = await cli(stateDir, ["exec", "frontend", "--", "cat", "/etc/hosts"]);
    assert.equal(hosts.code, 0, hosts.stderr);
    assert.match(hosts.stdout, /^127\.255\.0\.\d+ backend-container\.local$/m);
    assert.match(hosts.stdout, /^127\.255\.0\.\d+ frontend-container\.local$/m);
    assert.doesNotMatch(readFileSync("/etc/hosts", "utf8"), /backend-container\.local/);
  });

  test("exec from a frontend task reaches backend-container.local:5000", async () => {
    const body = await messageFromFrontendTask();
    assert.equal(body.message, "Hello from Fastify!");
    assert.match(body.servedBy.taskId, /^[0-9a-f]{32}$/);
  });

  test("exec runs with the container's environment and working folder, as docker exec does", async () => {
    process.env.ECS_LOCAL_TEST_HOST_ONLY = "set in the test's own environment";
    const result = await cli(stateDir, [
      "exec",
      "frontend",
      "--",
      "sh",
      "-c",
      'echo "$PORT $NODE_ENV ${ECS_LOCAL_TEST_HOST_ONLY:-absent}"; pwd; curl -sf "$ECS_CONTAINER_METADATA_URI_V4"',
    ]);
    delete process.env.ECS_LOCAL_TEST_HOST_ONLY;
    assert.equal(result.code, 0, result.stderr);
    const [variables, folder, metadata = ""] = result.stdout.split("\n");
    assert.equal(variables, "3000 production absent", "the image's ENV, not the caller's");
    assert.match(folder ?? "", /\/app$/, "the image's WORKDIR");
    assert.equal(JSON.parse(metadata).Name, "frontend", "its own metadata URI");
    const wrong = await cli(stateDir, ["exec", "frontend", "--container", "nope", "--", "true"]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /has no container "nope"; its containers: frontend\./);
  });

  test("with two backend tasks, both answer", async () => {
    const scaled = await cli(stateDir, ["scale", "backend", "2"]);
    assert.equal(scaled.code, 0, scaled.stderr);
    await waitUntil(
      async () =>
        service(await status(), "backend-service").healthyCount === 2 ? true : undefined,
      60_000,
      "two healthy backend tasks",
    );
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await messageFromFrontendTask()).servedBy.taskId);
    assert.equal(seen.size, 2, `answers came from ${[...seen].join(", ")}`);
  });

  test("Service Connect keeps routing while the control plane is stopped", async () => {
    const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
    const target = await fetch(`${state.apiUrl}/v1/exec/frontend`);
    const { holderPid } = (await target.json()) as { holderPid: number };
    const pid = up.child.pid;
    assert.ok(pid);
    // The whole control plane (and the ALB, which lives in it) frozen; the agents are not.
    process.kill(pid, "SIGSTOP");
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) {
        const url = "http://backend-container.local:5000/api/message";
        const result = await runProcess(
          ["nsenter", "--target", String(holderPid), ...NSENTER_FLAGS, "--", "curl", "-sf", url],
          { timeoutMs: 10_000 },
        );
        assert.ok(succeeded(result), describeExit(result) + result.stderr);
        const { stdout } = result;
        seen.add((JSON.parse(stdout) as { servedBy: { taskId: string } }).servedBy.taskId);
      }
      assert.equal(seen.size, 2, "both backend tasks still answer, round robin");
    } finally {
      process.kill(pid, "SIGCONT");
    }
  });

  test("a killed backend process gets its task replaced and the registry updated", async () => {
    const before = service(await status(), "backend-service");
    const victim = before.tasks.find((t) => t.lastStatus === "RUNNING");
    assert.ok(victim);
    const pids = processesUnder(stateDir).filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("dist/server.js") &&
          readFileSync(`/proc/${pid}/environ`, "utf8").includes(victim.id)
        );
      } catch {
        return false;
      }
    });
    assert.equal(pids.length, 1, "the victim's backend process");
    process.kill(pids[0] as number, "SIGKILL");

    const after = await waitUntil(
      async () => {
        const s = service(await status(), "backend-service");
        const stopped = s.tasks.find((t) => t.id === victim.id && t.lastStatus === "STOPPED");
        return stopped && s.healthyCount === 2 ? s : undefined;
      },
      60_000,
      "a replacement backend task",
    );
    const stopped = after.tasks.find((t) => t.id === victim.id);
    assert.match(
      stopped?.stoppedReason ?? "",
      /Essential container in task exited \(backend: exit code 137\)/,
    );
    const endpoints = JSON.parse(readFileSync(join(stateDir, "run/endpoints.json"), "utf8"));
    const registered = endpoints.services["backend-container"].map(
      (e: { taskId: string }) => e.taskId,
    );
    assert.equal(registered.length, 2);
    assert.ok(!registered.includes(victim.id), "the stopped task left Cloud Map");
  });

  test("logs are task-prefixed", async () => {
    const logs = await cli(stateDir, ["logs", "backend"]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(
      logs.stdout,
      /^backend-service\/[0-9a-f]{8} backend \| \{.*"url":"\/api\/message"/m,
    );
  });

  test("down stops everything and leaves no process of the run", async () => {
    const down = await cli(stateDir, ["down"], 120_000);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await up.exited, 0);
    assert.match(up.output, /stopped; no task is left running/);
    await waitUntil(
      () => (processesUnder(stateDir).length === 0 ? true : undefined),
      10_000,
      "no leftover process",
    );
  });
});
