import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { awsEnvironmentLines } from "../../api/aws/aws-environment.js";
import { AwsApiServer } from "../../api/aws/aws-server.js";
import { controlPlaneSource } from "../../api/aws/control-plane-source.js";
import { ApiServer } from "../../api/server.js";
import { TaskMetadataServer } from "../../api/task-metadata.js";
import { pickStack, readCloudAssembly } from "../../assembly/cloud-assembly.js";
import {
  forgetAssembly,
  isCachedAssembly,
  rememberAssembly,
  synthKey,
} from "../../assembly/synth-cache.js";
import { synthesize } from "../../assembly/synthesize.js";
import { ControlPlane } from "../../control/control-plane.js";
import { namespaceAliases } from "../../control/namespace-aliases.js";
import { type RunLayout, type RunState, runLayout } from "../../control/run-layout.js";
import { networkPolicy } from "../../control/security-groups/enforcement.js";
import { taskRunnerFactory } from "../../control/task-runner.js";
import { clock } from "../../control/time-scale.js";
import { AssemblyError, UsageError } from "../../errors.js";
import { buildModel } from "../../model/build-model.js";
import { suspendScaling } from "../../model/suspend-scaling.js";
import type { Model } from "../../model/types.js";
import { ensureHostRequirements } from "../../sandbox/host-check.js";
import { RUN_REQUIREMENTS } from "../../sandbox/host-requirements.js";
import { probeNamespaces } from "../../sandbox/probe.js";
import { killProcessesUnder } from "../../sandbox/procs.js";
import { RunNetwork } from "../../sandbox/run-network.js";
import { resourceAccounting, runResources } from "../../sandbox/task-resources.js";
import { DEFAULT_SECRETS_FILE_NAME, loadSecretValues } from "../../secrets/load-secret-values.js";
import type { SecretValues } from "../../secrets/secret-values.js";
import { DETACHED_ENV, runDetached } from "../detach.js";
import { ExitError } from "../exit-error.js";
import type { CommandArgs } from "../main.js";
import { describePlan } from "../plan-text.js";
import { type PreparedImages, prepareAllImages } from "../prepare-images.js";
import { Progress } from "../progress.js";
import { activeRun, stateDirFrom } from "../run-client.js";
import { reportInstall } from "../step-reports.js";
import { parseContext, parseListenerPorts, parseTimeScale } from "../up-flags.js";
import { watchImages } from "../watch-images.js";

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
  const layout = runLayout(stateDir);
  // Ctrl-C while preparing stops the step in progress (npm ci, cdk synth…) with its whole
  // process group, then `up` exits; nothing has started yet, so there is nothing to drain.
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => cancel.abort(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  let prepared: PreparedRun;
  try {
    prepared = await prepare({
      args,
      appDir,
      context,
      listenerPorts,
      layout,
      progress,
      detached,
      cancel,
    });
  } catch (error) {
    rmSync(layout.stateFile, { force: true });
    if (!cancel.signal.aborted) throw error;
    progress.say(`▸ cancelled (${cancel.signal.reason}) before anything started`);
    throw new ExitError(130);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
  await serve({
    prepared,
    layout,
    progress,
    detached,
    timeScale,
    listenerPorts,
    faithfulCpu: args.values["faithful-cpu"] === true,
    watch: args.values.watch === true,
    faithfulRouting: args.values["faithful-routing"] === true,
  });
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

interface PreparedRun {
  readonly state: RunState;
  /** The secrets file asked for (it may not exist). */
  readonly secretsFile: string;
  readonly model: Model;
  readonly images: PreparedImages;
  readonly secretValues: SecretValues;
  readonly startedAt: number;
}

/**
 * Everything before the first task: the host, the synth (or its cache), the model, the
 * secrets, the images. `state.json` is written first, so a second `up` here is refused from
 * the start; the caller removes it if this fails.
 */
async function prepare(options: {
  readonly args: CommandArgs;
  readonly appDir: string;
  readonly context: Readonly<Record<string, string>>;
  readonly listenerPorts: ReadonlyMap<number, number>;
  readonly layout: RunLayout;
  readonly progress: Progress;
  readonly detached: boolean;
  readonly cancel: AbortController;
}): Promise<PreparedRun> {
  const { args, appDir, context, layout, progress, detached } = options;
  const signal = options.cancel.signal;
  const say = (line: string) => progress.say(line);
  await progress.guard(
    ensureHostRequirements(RUN_REQUIREMENTS, { onProgress: reportInstall(progress), signal }),
  );
  await probeNamespaces();
  const noCgroups = resourceAccounting().notice; // said once: /proc sums, no limits
  if (noCgroups) say(`▸ ${noCgroups}`);
  if (!existsSync(join(appDir, "cdk.json"))) {
    throw new AssemblyError(
      `${appDir} has no cdk.json. Run ecs-local in a CDK app folder or pass --app <dir>.`,
    );
  }
  const leftovers = killProcessesUnder(layout.stateDir);
  if (leftovers > 0)
    say(`▸ stopped ${leftovers} process(es) an earlier run of ${layout.stateDir} left behind`);
  rmSync(layout.runDir, { recursive: true, force: true });
  mkdirSync(layout.runDir, { recursive: true });
  const state: RunState = {
    pid: process.pid,
    appDir,
    startedAt: new Date().toISOString(),
    ...(detached ? { detached } : {}),
  };
  writeFileSync(layout.stateFile, JSON.stringify(state, null, 1));

  const startedAt = Date.now();
  const fresh = args.values.fresh === true;
  const cdkOut = await progress.guard(
    synthesizeOnce({ appDir, context, layout, progress, fresh, signal }),
  );
  const stack = pickStack(readCloudAssembly(cdkOut), args.values.stack);
  const built = buildModel(stack.template, {
    stackName: stack.stackName,
    imageAssets: stack.imageAssets,
    fileAssets: stack.fileAssets,
  });
  const model = args.values["suspend-scaling"] ? suspendScaling(built) : built;
  say(describePlan(model, options.listenerPorts));
  const secretsFile =
    args.values["secrets-file"] ?? join(layout.stateDir, DEFAULT_SECRETS_FILE_NAME);
  const secretValues = await loadSecretValues({ model, secretsFile: resolve(secretsFile) });
  if (secretValues.summary) say(secretValues.summary);
  const images = await prepareAllImages(model, layout.imageCache, progress, signal);
  return { state, secretsFile, model, images, secretValues, startedAt };
}

/** Runs the prepared app until a stop: control plane, API, tasks; prints where things are. */
async function serve(options: {
  readonly prepared: PreparedRun;
  readonly layout: RunLayout;
  readonly progress: Progress;
  readonly detached: boolean;
  readonly timeScale: number;
  readonly listenerPorts: ReadonlyMap<number, number>;
  readonly faithfulCpu: boolean;
  readonly watch: boolean;
  readonly faithfulRouting: boolean;
}): Promise<void> {
  const { prepared, layout, progress, detached } = options;
  const { model, images, secretValues } = prepared;
  const say = (line: string) => progress.say(line);
  const logger = pino(
    { level: process.env.ECS_LOCAL_LOG_LEVEL ?? "info" },
    pino.destination({ dest: join(layout.runDir, "control-plane.log"), sync: false }),
  );
  const runClock = clock(options.timeScale);
  // What a killed earlier run left in its cgroups goes before the first task starts.
  const resources = runResources({
    runDir: layout.runDir,
    onLeftovers: (count) =>
      say(`▸ stopped ${count} process(es) an earlier run left in its cgroups`),
  });
  await resources.ready;
  const aliases = namespaceAliases(model.services);
  const created = await RunNetwork.create({ policy: networkPolicy(model) });
  const network = created instanceof RunNetwork ? created : undefined;
  if (!(created instanceof RunNetwork)) {
    say(
      `▸ no run network (${created.unavailable}): Service Connect goes through each target's agent`,
    );
  }
  const createTask = taskRunnerFactory({
    ...(network ? { network } : {}),
    runDir: layout.runDir,
    cpuQuotaFromStart: options.faithfulCpu,
    resources,
    region: model.region,
    accountId: model.accountId,
    clock: runClock,
    logger,
    aliases: aliases.entries,
    egress: aliases.egress,
    // A container sees its task and no more: not the control plane's or other tasks' files
    // and sockets, not the secrets file.
    hiddenPaths: [layout.runDir, prepared.secretsFile],
    prepareImage: async (container) => images.get(container),
    environmentFor: (taskDefinition, container) =>
      secretValues.environmentFor(taskDefinition.origin.logicalId, container),
    serveMetadata: (socketPath, source) => TaskMetadataServer.start(socketPath, source),
  });
  const runtime = new ControlPlane({
    model,
    endpointsFile: layout.endpointsFile,
    clock: runClock,
    logger,
    listenerPorts: options.listenerPorts,
    createTask,
    faithfulRouting: options.faithfulRouting,
    onEvent: (line) => say(`  ${line.replace(/^\d{4}-\S+ /, "")}`),
  });
  const api = new ApiServer(runtime);
  const apiUrl = await api.start({ port: 0 });
  const awsApi = new AwsApiServer(controlPlaneSource(runtime, model));
  const awsEndpoint = await awsApi.start({ port: 0 });
  const state: RunState = { ...prepared.state, apiUrl, awsEndpoint, stackName: model.stackName };
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
    await Promise.all([api.close(), awsApi.close(), network?.close()]);
    rmSync(layout.stateFile, { force: true });
    throw error;
  }
  await waitUntilSteady(runtime, progress);
  if (!runtime.stopping) {
    const seconds = ((Date.now() - prepared.startedAt) / 1000).toFixed(1);
    say(`▸ all services healthy in ${seconds} s`);
    for (const listener of runtime.listeners)
      say(`  load balancer  http://127.0.0.1:${listener.hostPort}/`);
    say(`  dashboard      ${apiUrl}/`);
    say(`  API            ${apiUrl}/v1/status   (ecs-local ps | logs | exec | scale | down)`);
    for (const line of awsEnvironmentLines(awsEndpoint, model.region)) say(line);
    say(
      detached
        ? `▸ running in the background (pid ${process.pid}); \`ecs-local down\` stops it`
        : "  Ctrl-C stops everything",
    );
  }
  const watching =
    options.watch && !runtime.stopping
      ? watchImages({ runtime, images, cacheDir: layout.imageCache, progress })
      : undefined;
  await runtime.closed;
  watching?.close();
  await Promise.all([api.close(), awsApi.close(), network?.close()]);
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
  readonly signal: AbortSignal;
}): Promise<string> {
  const { appDir, context, layout, progress, signal } = options;
  const key = await synthKey({ appDir, context });
  if (!options.fresh && isCachedAssembly(layout.cdkOut, key)) {
    progress.say(`▸ ${appDir} is unchanged since its last synth; reusing it (--fresh synthesizes)`);
    return layout.cdkOut;
  }
  forgetAssembly(layout.cdkOut);
  await progress.step(`synthesizing the CDK app in ${appDir}`, (step) =>
    synthesize({
      appDir,
      outDir: layout.cdkOut,
      context,
      signal,
      onLine: (line) => step.output(line),
    }),
  );
  rememberAssembly(layout.cdkOut, key);
  return layout.cdkOut;
}

/** Waits until every service is steady (or the run stops), with a live line of the counts. */
async function waitUntilSteady(runtime: ControlPlane, progress: Progress): Promise<void> {
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
