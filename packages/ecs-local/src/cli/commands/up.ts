import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { ApiServer } from "../../api/server.js";
import { pickStack, readCloudAssembly } from "../../assembly/cloud-assembly.js";
import { synthesize } from "../../assembly/synthesize.js";
import { killLeftovers } from "../../control/leftovers.js";
import { type RunState, runLayout } from "../../control/run-layout.js";
import { Runtime } from "../../control/runtime.js";
import { clock, DEFAULT_TIME_SCALE } from "../../control/time-scale.js";
import { AssemblyError, DockerfileError, UsageError } from "../../errors.js";
import { type PreparedImage, prepareImage } from "../../image/build-steps.js";
import { buildModel } from "../../model/build-model.js";
import type { ContainerDefinition, Model } from "../../model/types.js";
import { sidecarCommand } from "../../proxy/sidecar-launch.js";
import { probeNamespaces } from "../../sandbox/probe.js";
import type { CommandArgs } from "../main.js";
import { describePlan } from "../plan-text.js";
import { activeRun, stateDirFrom } from "../run-client.js";

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function run(args: CommandArgs): Promise<void> {
  const appDir = resolve(args.values.app ?? ".");
  const stateDir = stateDirFrom(args.values);
  const timeScale = parseTimeScale(args.values["time-scale"]);
  const listenerPorts = parseListenerPorts(args.values["listener-port"] ?? []);

  await probeNamespaces();
  if (!existsSync(join(appDir, "cdk.json"))) {
    throw new AssemblyError(
      `${appDir} has no cdk.json. Run ecs-local in a CDK app folder or pass --app <dir>.`,
    );
  }
  const layout = runLayout(stateDir);
  const previous = activeRun(stateDir);
  if (previous) {
    throw new UsageError(
      `A run is already active here (pid ${previous.pid}, API ${previous.apiUrl}). Stop it with \`ecs-local down\` first.`,
    );
  }
  const leftovers = killLeftovers(stateDir);
  if (leftovers > 0)
    say(`▸ stopped ${leftovers} process(es) an earlier run of ${stateDir} left behind`);
  rmSync(layout.runDir, { recursive: true, force: true });
  mkdirSync(layout.runDir, { recursive: true });

  say(`▸ synthesizing the CDK app in ${appDir}`);
  const started = Date.now();
  await synthesize({
    appDir,
    outDir: layout.cdkOut,
    context: parseContext(args.values.context ?? []),
  });
  const stack = pickStack(readCloudAssembly(layout.cdkOut), args.values.stack);
  const model = buildModel(stack.template, {
    stackName: stack.stackName,
    imageAssets: stack.imageAssets,
  });
  say(describePlan(model, listenerPorts));

  const images = await prepareAllImages(model, layout.imageCache);
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
    prepareImage: async (container) => images.get(imageKey(container)) as PreparedImage,
    sidecarCommand: await sidecarCommand(join(layout.runDir, "sidecar")),
    onEvent: (line) => say(`  ${line.replace(/^\d{4}-\S+ /, "")}`),
  });
  const api = new ApiServer(runtime);
  const apiUrl = await api.start({ port: 0, metadataSocket: layout.apiSocket });
  const state: RunState = {
    pid: process.pid,
    apiUrl,
    appDir,
    stackName: stack.stackName,
    startedAt: new Date().toISOString(),
  };
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
  while (!runtime.allSteady && !runtime.stopping) await sleep(100);
  if (!runtime.stopping) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(`▸ all services healthy in ${seconds} s`);
    for (const listener of runtime.listeners)
      say(`  load balancer  http://127.0.0.1:${listener.hostPort}/`);
    say(`  API            ${apiUrl}/v1/status   (ecs-local ps | logs | exec | scale | down)`);
    say("  Ctrl-C stops everything");
  }
  await runtime.closed;
  await api.close();
  rmSync(layout.stateFile, { force: true });
  say("▸ stopped; no task is left running");
}

function imageKey(container: ContainerDefinition): string {
  return container.image.kind === "asset"
    ? `asset:${container.image.assetHash}`
    : `registry:${container.image.name}`;
}

async function prepareAllImages(
  model: Model,
  cacheDir: string,
): Promise<Map<string, PreparedImage>> {
  const prepared = new Map<string, PreparedImage>();
  const containers = model.taskDefinitions.flatMap((t) => t.containers);
  for (const container of containers) {
    const key = imageKey(container);
    if (prepared.has(key)) continue;
    const image = container.image;
    if (image.kind !== "asset" || !image.directory) {
      throw new DockerfileError(
        `Container ${container.name} uses the registry image ${image.kind === "registry" ? image.name : "?"}; ecs-local runs only images built from a folder (ContainerImage.fromAsset). Build it from a Dockerfile in your CDK app.`,
      );
    }
    say(`▸ preparing image of ${container.name} from ${image.directory}`);
    const result = await prepareImage({
      contextDir: image.directory,
      dockerfile: image.dockerfile,
      target: image.target,
      buildArgs: image.buildArgs,
      cacheDir,
      onProgress: (event) => {
        if (event.type === "output") return;
        say(`    ${event.message}`);
      },
    });
    prepared.set(key, result);
  }
  return prepared;
}

function parseTimeScale(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIME_SCALE;
  const scale = Number(value);
  if (!(scale > 0))
    throw new UsageError(
      `--time-scale ${value} must be a positive number (1 = AWS timing, ${DEFAULT_TIME_SCALE} = the default).`,
    );
  return scale;
}

function parseContext(values: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals <= 0)
      throw new UsageError(`--context ${value} must look like key=value, as with cdk synth -c.`);
    context[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return context;
}

function parseListenerPorts(values: readonly string[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const value of values) {
    const match = /^(\d+)=(\d+)$/.exec(value);
    if (!match)
      throw new UsageError(
        `--listener-port ${value} must look like 80=8080 (listener port = host port).`,
      );
    map.set(Number(match[1]), Number(match[2]));
  }
  return map;
}
