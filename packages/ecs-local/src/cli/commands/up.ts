import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { ApiServer } from "../../api/server.js";
import { pickStack, readCloudAssembly } from "../../assembly/cloud-assembly.js";
import {
  forgetAssembly,
  isCachedAssembly,
  rememberAssembly,
  synthKey,
} from "../../assembly/synth-cache.js";
import { synthesize } from "../../assembly/synthesize.js";
import { killLeftovers } from "../../control/leftovers.js";
import { type RunLayout, type RunState, runLayout } from "../../control/run-layout.js";
import { Runtime } from "../../control/runtime.js";
import { clock } from "../../control/time-scale.js";
import { AssemblyError, UsageError } from "../../errors.js";
import { buildModel } from "../../model/build-model.js";
import { sidecarCommand } from "../../proxy/sidecar-launch.js";
import { ensureHostRequirements } from "../../sandbox/host-check.js";
import { RUN_REQUIREMENTS } from "../../sandbox/host-requirements.js";
import { probeNamespaces } from "../../sandbox/probe.js";
import { DEFAULT_SECRETS_FILE_NAME, loadSecretValues } from "../../secrets/load-secret-values.js";
import { DETACHED_ENV, runDetached } from "../detach.js";
import type { CommandArgs } from "../main.js";
import { describePlan } from "../plan-text.js";
import { prepareAllImages } from "../prepare-images.js";
import { Progress } from "../progress.js";
import { activeRun, stateDirFrom } from "../run-client.js";
import { reportInstall } from "../step-reports.js";
import { parseContext, parseListenerPorts, parseTimeScale } from "../up-flags.js";

export async function run(args: CommandArgs): Promise<void> {
  const appDir = resolve(args.values.app ?? ".");
  const stateDir = stateDirFrom(args.values);
  const timeScale = parseTimeScale(args.values["time-scale"]);
  const listenerPorts = parseListenerPorts(args.values["listener-port"] ?? []);
  const context = parseContext(args.values.context ?? []);
  refuseSecondRun(stateDir);
  const detached = process.env[DETACHED_ENV] === "1";
  if (args.values.detach && !detached) return runDetached(stateDir);

  const progress = new Progress();
  const say = (line: string) => progress.say(line);
  await progress.guard(
    ensureHostRequirements(RUN_REQUIREMENTS, { onProgress: reportInstall(progress) }),
  );
  await probeNamespaces();
  if (!existsSync(join(appDir, "cdk.json"))) {
    throw new AssemblyError(
      `${appDir} has no cdk.json. Run ecs-local in a CDK app folder or pass --app <dir>.`,
    );
  }
  const layout = runLayout(stateDir);
  const leftovers = killLeftovers(stateDir);
  if (leftovers > 0)
    say(`▸ stopped ${leftovers} process(es) an earlier run of ${stateDir} left behind`);
  rmSync(layout.runDir, { recursive: true, force: true });
  mkdirSync(layout.runDir, { recursive: true });
  const starting: RunState = {
    pid: process.pid,
    appDir,
    startedAt: new Date().toISOString(),
    ...(detached ? { detached } : {}),
  };
  writeFileSync(layout.stateFile, JSON.stringify(starting, null, 1));

  const started = Date.now();
  const stack = await progress.guard(
    synthesizeOnce({ appDir, context, layout, progress, fresh: args.values.fresh === true }).then(
      (cdkOut) => pickStack(readCloudAssembly(cdkOut), args.values.stack),
    ),
  );
  const model = buildModel(stack.template, {
    stackName: stack.stackName,
    imageAssets: stack.imageAssets,
    fileAssets: stack.fileAssets,
  });
  say(describePlan(model, listenerPorts));
  const secretValues = await loadSecretValues({
    model,
    secretsFile: resolve(args.values["secrets-file"] ?? join(stateDir, DEFAULT_SECRETS_FILE_NAME)),
  });
  if (secretValues.summary) say(secretValues.summary);

  const images = await prepareAllImages(model, layout.imageCache, progress);
  const logger = pino(
    { level: process.env.ECS_LOCAL_LOG_LEVEL ?? "info" },
    pino.destination({ dest: join(layout.runDir, "control-plane.log"), sync: false }),
  );
  const runtime = new Runtime({
    model,
    layout,
    clock: clock(timeScale),
    logger,
    listenerPorts,
    prepareImage: async (container) => images.get(container),
    secretValues,
    sidecarCommand: await sidecarCommand(join(layout.runDir, "sidecar")),
    onEvent: (line) => say(`  ${line.replace(/^\d{4}-\S+ /, "")}`),
  });
  const api = new ApiServer(runtime);
  const apiUrl = await api.start({ port: 0, metadataSocket: layout.apiSocket });
  const state: RunState = { ...starting, apiUrl, stackName: stack.stackName };
  writeFileSync(layout.stateFile, JSON.stringify(state, null, 1));

  process.on("SIGINT", () => void runtime.shutdown("Ctrl-C"));
  process.on("SIGTERM", () => void runtime.shutdown("SIGTERM"));
  process.on("SIGHUP", () => void runtime.shutdown("terminal closed"));

  say("▸ starting services in dependency order");
  try {
    await runtime.start();
  } catch (error) {
    // Whatever started must not outlive us: stop it, then report the error.
    await runtime.shutdown("start failed");
    await api.close();
    rmSync(layout.stateFile, { force: true });
    throw error;
  }
  await waitUntilSteady(runtime, progress);
  if (!runtime.stopping) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(`▸ all services healthy in ${seconds} s`);
    for (const listener of runtime.listeners)
      say(`  load balancer  http://127.0.0.1:${listener.hostPort}/`);
    say(`  API            ${apiUrl}/v1/status   (ecs-local ps | logs | exec | scale | down)`);
    say(
      detached
        ? `▸ running in the background (pid ${process.pid}); \`ecs-local down\` stops it`
        : "  Ctrl-C stops everything",
    );
  }
  await runtime.closed;
  await api.close();
  rmSync(layout.stateFile, { force: true });
  say("▸ stopped; no task is left running");
}

function refuseSecondRun(stateDir: string): void {
  const previous = activeRun(stateDir);
  if (!previous) return;
  const since = new Date(previous.startedAt).toLocaleTimeString();
  const how = previous.detached
    ? "`ecs-local down`"
    : "`ecs-local down`, or Ctrl-C in the terminal running it";
  throw new UsageError(
    `A run is already active in ${stateDir} (pid ${previous.pid}, since ${since}${previous.apiUrl ? `, API ${previous.apiUrl}` : ", still starting"}). ` +
      `See it with \`ecs-local ps\`; stop it with ${how}; or start another with --state-dir <other folder>.`,
  );
}

/**
 * The cloud assembly of the app: the last synth when nothing it depends on changed (see
 * synth-cache.ts), else a new `cdk synth`.
 */
async function synthesizeOnce(options: {
  readonly appDir: string;
  readonly context: Readonly<Record<string, string>>;
  readonly layout: RunLayout;
  readonly progress: Progress;
  readonly fresh: boolean;
}): Promise<string> {
  const { appDir, context, layout, progress } = options;
  const key = await synthKey({ appDir, context });
  if (!options.fresh && isCachedAssembly(layout.cdkOut, key)) {
    progress.say(`▸ ${appDir} is unchanged since its last synth; reusing it (--fresh synthesizes)`);
    return layout.cdkOut;
  }
  forgetAssembly(layout.cdkOut);
  await progress.step(`synthesizing the CDK app in ${appDir}`, (step) =>
    synthesize({ appDir, outDir: layout.cdkOut, context, onLine: (line) => step.output(line) }),
  );
  rememberAssembly(layout.cdkOut, key);
  return layout.cdkOut;
}

/** Waits until every service is steady (or the run stops), with a live line of the counts. */
async function waitUntilSteady(runtime: Runtime, progress: Progress): Promise<void> {
  const counts = () =>
    runtime
      .status()
      .services.map((s) => `${s.name} ${s.healthyCount}/${s.desiredCount}`)
      .join(", ");
  const step = progress.begin(`waiting for health: ${counts()}`);
  while (!runtime.allSteady && !runtime.stopping) {
    await sleep(50);
    step.relabel(`waiting for health: ${counts()}`);
  }
  if (runtime.stopping) step.fail();
  else step.end(`healthy: ${counts()}`);
}
