/**
 * Deployments under load: `up --watch` sees a code change, rebuilds the image and rolls the
 * service to a new revision; a version that fails its health check trips the circuit breaker,
 * which rolls back. Through both, autocannon `-c 50` runs through Service Connect (from inside
 * the client task) and through the ALB (from the host), and no request fails.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RunEvent, RunStatus, ServiceStatus } from "../src/api/control-plane-view.js";
import { dockerIdOf } from "../src/control/task-documents.js";
import { cli, freePort, get, UpProcess, waitUntil } from "./support/ecs-local-run.js";
import { failed, type LoadResult, load } from "./support/load.js";

const FIXTURE = join(import.meta.dirname, "fixtures/deploy-app");
const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-deploy-"));
const servicesDir = join(stateDir, "services");
const versionFile = join(servicesDir, "api/version.txt");
const API_ALIAS_URL = "http://api.local:8000/";
let up: UpProcess;
let albUrl: string;

async function apiCall<T>(path: string): Promise<T> {
  const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
  return (await (await fetch(`${state.apiUrl}${path}`)).json()) as T;
}

const apiService = async (): Promise<ServiceStatus> => {
  const found = (await apiCall<RunStatus>("/v1/status")).services.find((s) => s.name === "api");
  assert.ok(found, "the api service");
  return found;
};

/** Load through both paths at once, for `seconds`. */
async function bothPaths(seconds: number): Promise<{ alias: LoadResult; alb: LoadResult }> {
  const client = await apiCall<{ holderPid: number }>("/v1/exec/client");
  const [alias, alb] = await Promise.all([
    load({ url: API_ALIAS_URL, connections: 50, seconds, holderPid: client.holderPid }),
    load({ url: albUrl, connections: 50, seconds }),
  ]);
  return { alias, alb };
}

/** Waits until the api's only deployment is a COMPLETED one of `revision`. */
async function settledOn(revision: number, timeoutMs: number): Promise<ServiceStatus> {
  return waitUntil(
    async () => {
      const service = await apiService();
      const [only, ...others] = service.deployments;
      return others.length === 0 &&
        only?.rolloutState === "COMPLETED" &&
        only.taskDefinitionRevision === revision &&
        service.healthyCount === 2
        ? service
        : undefined;
    },
    timeoutMs,
    `api on a completed deployment of revision ${revision}`,
  );
}

describe("deployments under load lose no request", { timeout: 600_000 }, () => {
  before(async () => {
    cpSync(join(FIXTURE, "services"), servicesDir, { recursive: true });
    const port = await freePort();
    albUrl = `http://127.0.0.1:${port}/`;
    up = new UpProcess(stateDir, [
      "--app",
      FIXTURE,
      "-c",
      `servicesDir=${servicesDir}`,
      "--listener-port",
      `80=${port}`,
      "--watch",
    ]);
    await up.waitFor(/all services healthy/, 300_000);
    await up.waitFor(/watching .*a change rolls a new deployment/, 10_000);
  });

  after(async () => {
    if (up.child.exitCode === null) {
      await cli(stateDir, ["down"], 180_000);
      await up.exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("a code change under --watch rolls a new revision: 0 failed, the new version served", async (t) => {
    assert.equal(JSON.parse((await get(albUrl)).body).version, "v1");
    const running = bothPaths(20);
    await new Promise((r) => setTimeout(r, 2_000));
    writeFileSync(versionFile, "v2\n");
    const settled = await settledOn(2, 60_000);
    const { alias, alb } = await running;
    t.diagnostic(`alias: ${alias.requests} requests, ${failed(alias)} failed`);
    t.diagnostic(`ALB: ${alb.requests} requests, ${failed(alb)} failed`);
    assert.equal(failed(alias), 0, JSON.stringify(alias));
    assert.equal(failed(alb), 0, JSON.stringify(alb));
    assert.ok(alias.ok > 1000 && alb.ok > 1000, "both paths carried load");
    assert.equal(JSON.parse((await get(albUrl)).body).version, "v2");
    const live = settled.tasks.filter((task) => task.lastStatus === "RUNNING");
    assert.ok(live.every((task) => task.deploymentId === settled.deployments[0]?.id));
  });

  test("a version that fails its health check is rolled back by the circuit breaker: 0 failed", async (t) => {
    const running = bothPaths(25);
    await new Promise((r) => setTimeout(r, 2_000));
    writeFileSync(versionFile, "broken-v3\n");
    const rolledBack = await waitUntil(
      async () => {
        const events = await apiCall<RunEvent[]>("/v1/events?service=api");
        return events.find((e) => /rolling back to deployment/.test(e.message));
      },
      90_000,
      "the circuit breaker's rollback",
    );
    t.diagnostic(rolledBack.message);
    const settled = await settledOn(2, 60_000);
    assert.match(
      settled.deployments[0]?.rolloutStateReason ?? "",
      /^ECS deployment ecs-svc\/\d{19} completed\.$/,
    );
    const { alias, alb } = await running;
    t.diagnostic(`alias: ${alias.requests} requests, ${failed(alias)} failed`);
    t.diagnostic(`ALB: ${alb.requests} requests, ${failed(alb)} failed`);
    assert.equal(failed(alias), 0, JSON.stringify(alias));
    assert.equal(failed(alb), 0, JSON.stringify(alb));
    assert.equal(JSON.parse((await get(albUrl)).body).version, "v2", "the old version serves");
    const events = (await apiCall<RunEvent[]>("/v1/events?service=api")).map((e) => e.message);
    assert.ok(
      events.some((m) => /deployment failed: tasks failed to start\.$/.test(m)),
      events.join("\n"),
    );
  });

  test("ecs-local deploy replaces every task with the same revision", async () => {
    const before = (await apiService()).tasks.filter((task) => task.lastStatus === "RUNNING");
    const result = await cli(stateDir, ["deploy", "api"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^api: deployment ecs-svc\/\d{19} of revision 2 IN_PROGRESS/);
    const settled = await waitUntil(
      async () => {
        const service = await apiService();
        const running = service.tasks.filter((task) => task.lastStatus === "RUNNING");
        return service.deployments.length === 1 &&
          service.deployments[0]?.rolloutState === "COMPLETED" &&
          running.length === 2 &&
          running.every((task) => !before.some((old) => old.id === task.id))
          ? service
          : undefined;
      },
      60_000,
      "every task replaced",
    );
    assert.equal(settled.deployments[0]?.taskDefinitionRevision, 2);
    // What a new task reads from its own metadata endpoint says the same.
    const [task] = settled.tasks.filter((t) => t.lastStatus === "RUNNING");
    assert.ok(task);
    const own = await cli(stateDir, [
      "exec",
      task.id,
      "--",
      "curl",
      "-sf",
      `http://169.254.170.2/v4/${dockerIdOf(task.id, "api")}/task`,
    ]);
    assert.equal(own.code, 0, own.stderr);
    assert.equal(JSON.parse(own.stdout).Revision, "2");
  });
});
