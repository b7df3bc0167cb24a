/**
 * Application Auto Scaling end to end, with real processes and real load: a service that
 * tracks CPU scales out under a busy endpoint and back in once the load stops; one that
 * tracks memory scales out when an endpoint holds memory. Cloud Map follows every change,
 * and the activities read as `describe-scaling-activities` shows them. At `--time-scale 60`
 * an AWS minute lasts a second: the 3-minute high alarm fires after 3 s, the 15-minute low
 * alarm after 15 s.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { RunStatus } from "../src/api/control-plane-view.js";
import { cli, downAndVerify, freePort, get, waitUntil } from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const AUTOSCALE_APP = fileURLToPath(new URL("./fixtures/autoscale-app", import.meta.url));

async function status(stateDir: string): Promise<RunStatus> {
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const state = JSON.parse(readFileSync(join(stateDir, "run", "state.json"), "utf8"));
  return (await (await fetch(`${state.apiUrl}/v1/status`)).json()) as RunStatus;
}

/** Desired and RUNNING tasks and Cloud Map instances of a service, when all three agree. */
async function settledAt(stateDir: string, name: string): Promise<number | undefined> {
  const service = (await status(stateDir)).services.find((s) => s.name === name);
  if (!service) return undefined;
  const instances = service.cloudMap[0]?.instances;
  const agree = service.runningCount === service.desiredCount && instances === service.desiredCount;
  return agree ? service.desiredCount : undefined;
}

/** Keeps `concurrency` requests in flight until stopped. */
function load(url: string, concurrency: number): () => Promise<void> {
  let running = true;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      await fetch(url, { signal: AbortSignal.timeout(5_000) })
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
    }
  });
  return async () => {
    running = false;
    await Promise.all(workers);
  };
}

test("CPU tracking scales out under load and back in; memory tracking scales out when memory is held", {
  timeout: 400_000,
}, async (t) => {
  const cpuPort = await freePort();
  const memoryPort = await freePort();
  const { up, stateDir } = startRun(t, "ecs-local-autoscale-", [
    "--app",
    AUTOSCALE_APP,
    "--time-scale",
    "60",
    "--listener-port",
    `80=${cpuPort}`,
    "--listener-port",
    `81=${memoryPort}`,
  ]);
  await up.waitFor(/all services healthy/, 240_000);
  assert.match(
    up.output,
    /service cpu: 1 task\(s\).*scaling 1\.\.3 on ECSServiceAverageCPUUtilization 50/,
  );

  const held = await get(`http://127.0.0.1:${memoryPort}/hold?mb=200`);
  assert.match(held.body, /holding 200 MiB/);
  const stopLoad = load(`http://127.0.0.1:${cpuPort}/burn?ms=100`, 4);
  t.after(stopLoad);
  const outAt = await waitUntil(
    async () => {
      const count = await settledAt(stateDir, "cpu");
      return count !== undefined && count >= 2 ? count : undefined;
    },
    90_000,
    "the cpu service to scale out and Cloud Map to follow",
  );
  await stopLoad();
  await waitUntil(
    async () => {
      const count = await settledAt(stateDir, "memory");
      return count !== undefined && count >= 2 ? count : undefined;
    },
    60_000,
    "the memory service to scale out and Cloud Map to follow",
  );
  await waitUntil(
    async () => ((await settledAt(stateDir, "cpu")) === 1 ? true : undefined),
    120_000,
    `the cpu service to scale back in from ${outAt} to 1`,
  );

  const events = await cli(stateDir, ["events", "cpu"]);
  assert.equal(events.code, 0, events.stderr);
  const alarm = "TargetTracking-service/autoscale/cpu-Alarm";
  assert.match(
    events.stdout,
    new RegExp(
      `cpu {2}scaling {2}Setting desired count to ${outAt}\\. Successfully set desired count to ${outAt}\\. Change successfully fulfilled by ecs\\. Cause: monitor alarm ${alarm}High-[0-9a-f-]+ in state ALARM triggered policy \\S+Cpu\\S*`,
    ),
  );
  assert.match(
    events.stdout,
    new RegExp(
      `Setting desired count to 1\\. .* Cause: monitor alarm ${alarm}Low-[0-9a-f-]+ in state ALARM`,
    ),
  );
  assert.match(events.stdout, /\(service cpu\) has stopped \d running tasks: \(task \w+\)/);
  assert.match(events.stdout, /\(service cpu\) has reached a steady state\./);
  const memoryEvents = await cli(stateDir, ["events", "memory"]);
  assert.match(memoryEvents.stdout, /memory {2}scaling {2}Setting desired count to [23]\./);
  await downAndVerify(up, stateDir);
});
