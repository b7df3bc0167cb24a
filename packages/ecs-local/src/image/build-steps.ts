/**
 * The I/O edge of image preparation: materialise the plan of a Dockerfile as folders under
 * a cache directory, run its host steps there, and remember the result by content hash.
 *
 * Layout: `<cacheDir>/<contentHash>/<stageKey>/` is a stage's filesystem root (container
 * path `/app/x` → `<stageRoot>/app/x`), `<contentHash>/venv` the Python virtualenv when the
 * image needs one, `<contentHash>/done` the finished result. Nothing outside `cacheDir` is
 * written, except what npm and pip keep in their caches under the user's HOME.
 */
import { existsSync } from "node:fs";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { BuildStepFailedError, DockerfileError } from "../errors.js";
import { pythonInterpreter } from "../sandbox/host-tools.js";
import { describeExit, runProcess, succeeded } from "../sandbox/run-process.js";
import { type ContextEntry, hashContext, listContext, readDockerignore } from "./build-context.js";
import { mapCommandPaths } from "./container-paths.js";
import { hostSearchPath } from "./container-process.js";
import { copyFromContext, copyFromStage } from "./copy-steps.js";
import { parseDockerfile } from "./dockerfile-parse.js";
import { type ImagePlan, PLAN_VERSION, type PlanStep, planImage } from "./image-plan.js";
import { shellCommandLine, shellWord } from "./shell-words.js";

export interface PrepareImageOptions {
  /** The build context folder (the CDK image asset's directory). */
  readonly contextDir: string;
  /** Relative to `contextDir`; default `Dockerfile`. */
  readonly dockerfile?: string;
  /** Stage to stop at (`--target`); default the last stage. */
  readonly target?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Where prepared images live, e.g. `<project>/.ecs-local/images`. */
  readonly cacheDir: string;
  readonly onProgress?: (event: ImageProgress) => void;
  /** Aborts a running step (its process is killed) and the build. */
  readonly signal?: AbortSignal;
}

export interface ImageProgress {
  readonly type: "cached" | "stage" | "step" | "skipped" | "venv" | "output" | "done";
  readonly message: string;
}

export interface PreparedImage {
  /** Host folder that is the final stage's `/`. */
  readonly rootDir: string;
  /** WORKDIR as a container path, and mapped to the host. */
  readonly workdir: string;
  readonly workdirHostPath: string;
  /** The image's ENV (container paths unmapped; PATH is mapped by `containerProcess`). */
  readonly env: Readonly<Record<string, string>>;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly user?: string;
  readonly exposedPorts: readonly { readonly port: number; readonly protocol: "tcp" | "udp" }[];
  /** What was skipped or not applied, one line each, for the user. */
  readonly notices: readonly string[];
  /** The per-image virtualenv (`pip`/`python` resolve here) when the image uses Python. */
  readonly venvDir?: string;
  readonly contentHash: string;
  /** True when the result came from an earlier finished build. */
  readonly cached: boolean;
}

/** Lines of a failed step's output kept for the error message. */
const OUTPUT_TAIL_LINES = 20;

// Two tasks of one service prepare the same image at once; they share one build.
const inflight = new Map<string, Promise<PreparedImage>>();

/** Prepare (or reuse) the image folder for a build context. */
export async function prepareImage(options: PrepareImageOptions): Promise<PreparedImage> {
  const contextDir = path.resolve(options.contextDir);
  const dockerfileName = options.dockerfile ?? "Dockerfile";
  const dockerfilePath = path.resolve(contextDir, dockerfileName);
  let text: string;
  try {
    text = await readFile(dockerfilePath, "utf8");
  } catch (err) {
    throw new DockerfileError(
      `cannot read ${dockerfilePath}: ${(err as Error).message}. Check the image asset's directory and dockerfile name.`,
      { cause: err },
    );
  }
  const plan = planImage(
    parseDockerfile(text, {
      fileName: dockerfilePath,
      ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
    }),
    {
      fileName: dockerfilePath,
      ...(options.target !== undefined ? { target: options.target } : {}),
    },
  );
  const rules = await readDockerignore(contextDir);
  const entries = await listContext(contextDir, rules);
  const python = plan.needsPython ? pythonInterpreter() : "";
  const hash = await hashContext(contextDir, entries, [
    PLAN_VERSION,
    text,
    options.target ?? "",
    JSON.stringify(options.buildArgs ?? {}),
    python,
  ]);
  const buildDir = path.join(path.resolve(options.cacheDir), hash);

  const running = inflight.get(buildDir);
  if (running) return running;
  const build = (async (): Promise<PreparedImage> => {
    const cached = await readDone(buildDir);
    if (cached) {
      options.onProgress?.({
        type: "cached",
        message: `using prepared image ${hash.slice(0, 12)} (${contextDir})`,
      });
      return cached;
    }
    return buildImage({ plan, contextDir, entries, buildDir, hash, python, options });
  })();
  inflight.set(buildDir, build);
  try {
    return await build;
  } finally {
    inflight.delete(buildDir);
  }
}

async function readDone(buildDir: string): Promise<PreparedImage | undefined> {
  try {
    const done = JSON.parse(await readFile(path.join(buildDir, "done"), "utf8")) as PreparedImage;
    if (!existsSync(done.rootDir)) return undefined;
    return { ...done, cached: true };
  } catch {
    return undefined;
  }
}

interface BuildInput {
  readonly plan: ImagePlan;
  readonly contextDir: string;
  readonly entries: readonly ContextEntry[];
  readonly buildDir: string;
  readonly hash: string;
  readonly python: string;
  readonly options: PrepareImageOptions;
}

async function buildImage(input: BuildInput): Promise<PreparedImage> {
  const { plan, buildDir, options } = input;
  const progress = options.onProgress ?? (() => {});
  // A build without `done` is a leftover of a failed or interrupted run: start clean.
  await rm(buildDir, { recursive: true, force: true });
  await mkdir(buildDir, { recursive: true });

  let venvDir: string | undefined;
  if (plan.needsPython) {
    venvDir = path.join(buildDir, "venv");
    progress({
      type: "venv",
      message: `creating Python virtualenv with ${input.python} (--system-site-packages)`,
    });
    await runStepProcess([input.python, "-m", "venv", "--system-site-packages", venvDir], {
      cwd: buildDir,
      env: buildEnv({}, buildDir, undefined),
      step: `${input.python} -m venv --system-site-packages ${venvDir}`,
      fix: "Install python3-venv (Debian/Ubuntu) or point ECS_LOCAL_PYTHON at a Python 3 with the venv module.",
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line) => progress({ type: "output", message: line }),
    });
  }

  const roots = new Map<string, string>();
  for (const stage of plan.stages) {
    const root = path.join(buildDir, stage.key);
    roots.set(stage.key, root);
    progress({ type: "stage", message: `stage ${stage.key} (FROM ${stage.base})` });
    if (stage.baseKey !== undefined) {
      await cp(roots.get(stage.baseKey) as string, root, {
        recursive: true,
        verbatimSymlinks: true,
      });
    } else {
      await mkdir(root, { recursive: true });
    }
    for (const step of stage.steps) {
      await runStep(step, { ...input, root, roots, venvDir, progress });
    }
  }

  const final = plan.stages[plan.stages.length - 1];
  const rootDir = roots.get(final?.key ?? "") as string;
  const workdirHostPath = path.join(rootDir, plan.runtime.workdir);
  await mkdir(workdirHostPath, { recursive: true });
  const prepared: PreparedImage = {
    rootDir,
    workdir: plan.runtime.workdir,
    workdirHostPath,
    env: plan.runtime.env,
    entrypoint: plan.runtime.entrypoint,
    cmd: plan.runtime.cmd,
    ...(plan.runtime.user !== undefined ? { user: plan.runtime.user } : {}),
    exposedPorts: plan.runtime.exposedPorts,
    notices: plan.notices,
    ...(venvDir !== undefined ? { venvDir } : {}),
    contentHash: input.hash,
    cached: false,
  };
  // Written last: its presence is what makes a build reusable.
  await writeFile(path.join(buildDir, "done"), JSON.stringify(prepared, null, 2));
  progress({ type: "done", message: `prepared image ${input.hash.slice(0, 12)} at ${rootDir}` });
  return prepared;
}

interface StepContext extends BuildInput {
  readonly root: string;
  readonly roots: ReadonlyMap<string, string>;
  readonly venvDir: string | undefined;
  readonly progress: (event: ImageProgress) => void;
}

async function runStep(step: PlanStep, ctx: StepContext): Promise<void> {
  const { root } = ctx;
  switch (step.kind) {
    case "workdir":
      await mkdir(path.join(root, step.path), { recursive: true });
      return;
    case "copy":
      ctx.progress({
        type: "step",
        message: `line ${step.line}: COPY ${step.sources.join(" ")} ${step.dest}`,
      });
      if (step.from === "context") await copyFromContext(step, ctx);
      else await copyFromStage(step, ctx.roots.get(step.from) as string, root);
      return;
    case "run": {
      if (step.classification !== "host") {
        ctx.progress({
          type: "skipped",
          message: step.notice ?? `line ${step.line}: skipped \`${step.command}\``,
        });
        return;
      }
      ctx.progress({ type: "step", message: `line ${step.line}: RUN ${step.command}` });
      const cwd = path.join(root, step.workdir);
      await mkdir(cwd, { recursive: true });
      // Container paths point into the stage folder; a program only the host has stays as is.
      const command = mapCommandPaths(
        step.command,
        root,
        (p, atProgram) => !(atProgram && !existsSync(path.join(root, p)) && existsSync(p)),
      );
      await runStepProcess(["/bin/sh", "-c", command], {
        cwd,
        env: buildEnv(step.env, root, ctx.venvDir),
        step: `line ${step.line}: RUN ${step.command}`,
        fix: "Fix the step or what it needs on this machine.",
        ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
        onLine: (line) => ctx.progress({ type: "output", message: line }),
      });
      return;
    }
  }
}

/** Host variables a build step may need (network, locale, registries); the rest of the host env stays out, as in Docker. */
const PASSTHROUGH =
  /^(HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TZ|TMPDIR|TERM|SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|npm_config_(registry|cafile|strict_ssl|proxy|https_proxy|userconfig)|PIP_[A-Z_]+)$/;

function buildEnv(
  stepEnv: Readonly<Record<string, string>>,
  root: string,
  venvDir: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && PASSTHROUGH.test(k)) env[k] = v;
  Object.assign(env, stepEnv);
  // HOME stays the host's so npm and pip reuse their caches (and work offline).
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  env.PATH = hostSearchPath(stepEnv.PATH, root, venvDir, process.env.PATH);
  if (venvDir !== undefined) env.VIRTUAL_ENV = venvDir;
  // No network calls that do not change the result: npm audit/fund/update checks, pip's self-check.
  env.npm_config_audit = "false";
  env.npm_config_fund = "false";
  env.npm_config_update_notifier = "false";
  env.PIP_DISABLE_PIP_VERSION_CHECK = "1";
  env.PIP_NO_INPUT = "1";
  return env;
}

interface StepRunOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** How the step is named in messages, e.g. `line 4: RUN npm ci`. */
  readonly step: string;
  readonly fix: string;
  readonly signal?: AbortSignal;
  readonly onLine: (line: string) => void;
}

/** Runs one build step; a failure names the step, its exit, its output tail and how to rerun it. */
async function runStepProcess(argv: readonly string[], o: StepRunOptions): Promise<void> {
  const result = await runProcess(argv, {
    cwd: o.cwd,
    env: o.env,
    tailLines: OUTPUT_TAIL_LINES,
    onLine: o.onLine,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (succeeded(result)) return;
  const output =
    result.tail.length > 0
      ? `\nLast ${result.tail.length} lines of output:\n${result.tail.join("\n")}`
      : "";
  const rerun = `cd ${shellWord(o.cwd)} && env PATH=${shellWord(o.env.PATH ?? "")} ${shellCommandLine(argv)}`;
  throw new BuildStepFailedError(
    o.step,
    result.exitCode,
    [...result.tail],
    `${o.step} ${describeExit(result)} (in ${o.cwd}). ${o.fix}${output}\nTo rerun it by hand:\n  ${rerun}`,
    ...(result.spawnError ? [{ cause: result.spawnError }] : []),
  );
}
