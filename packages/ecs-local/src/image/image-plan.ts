/**
 * Parsed Dockerfile → the plan for preparing an image folder without Docker. Pure.
 *
 * Only the stages the final one needs are kept (its FROM chain and `COPY --from` sources).
 * Each RUN is classified: "host" steps (npm, pip, python, coreutils) run on this machine inside
 * the cache copy; "os-package" steps (apt-get, apk, useradd, …) cannot run unprivileged on the
 * host and are skipped with a notice naming what the host must provide; anything else is
 * "unknown" and also skipped, so a build never runs a tool we have not thought about.
 */
import type { ParsedDockerfile } from "./dockerfile-parse.js";
import type { ExposedPort } from "./image-runtime.js";
import { neededStages, targetStage } from "./plan-stages.js";
import { planStage, type StagePlan } from "./plan-steps.js";
import { isPythonCommand, type RunClassification } from "./run-classification.js";

export { mapCommandPaths, resolveContainerPath } from "./container-paths.js";
export { classifyRun, type RunClassification } from "./run-classification.js";

/** Bumped whenever the meaning of a plan changes, so cached builds are not reused wrongly. */
export const PLAN_VERSION = "ecs-local-image-plan/2";

export type PlanStep =
  | {
      readonly kind: "workdir";
      readonly line: number;
      /** Absolute container path; created like Docker's WORKDIR does. */
      readonly path: string;
    }
  | {
      readonly kind: "copy";
      readonly line: number;
      /** `context`, or the key of an earlier planned stage. */
      readonly from: "context" | string;
      /** Paths in the context (relative) or in that stage (absolute container paths). */
      readonly sources: readonly string[];
      /** Absolute container path; ends with `/` when it must be a directory. */
      readonly dest: string;
    }
  | {
      readonly kind: "run";
      readonly line: number;
      readonly command: string;
      readonly classification: RunClassification;
      /** Container WORKDIR at this point. */
      readonly workdir: string;
      /** ARG and ENV values visible to the step. */
      readonly env: Readonly<Record<string, string>>;
      /** Why the step is skipped (absent for host steps). */
      readonly notice?: string;
    };

export interface PlannedStage {
  readonly index: number;
  readonly name?: string;
  /** Folder name under the build's cache folder: the stage name, or its index. */
  readonly key: string;
  readonly base: string;
  /** Key of the planned stage whose folder this one starts from. */
  readonly baseKey?: string;
  readonly steps: readonly PlanStep[];
}

/** How the final stage's process starts, as the image config would say. */
export interface ImageRuntime {
  /** ENV of the final stage, including its base stages' (PATH starts as Docker's default). */
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** USER is recorded but not applied: processes run as the host user. */
  readonly user?: string;
  readonly exposedPorts: readonly ExposedPort[];
}

export interface ImagePlan {
  /** Stages to build, in order; the last is the final stage. */
  readonly stages: readonly PlannedStage[];
  readonly runtime: ImageRuntime;
  /** Whether a Python virtualenv is needed (pip/python steps or a python base image). */
  readonly needsPython: boolean;
  readonly notices: readonly string[];
}

export interface PlanOptions {
  /** Stage name (or index) to stop at, like `docker build --target`; default the last stage. */
  readonly target?: string;
  /** Named in error messages; default `Dockerfile`. */
  readonly fileName?: string;
}

/** Build the plan for `parsed`, ending at `options.target` or the last stage. */
export function planImage(parsed: ParsedDockerfile, options: PlanOptions = {}): ImagePlan {
  const { stages } = parsed;
  const finalIndex = targetStage(stages, options.target, options.fileName ?? "Dockerfile");
  const needed = neededStages(stages, finalIndex);
  const plans = new Map<number, StagePlan>();
  for (const stage of stages) {
    if (needed.has(stage.index)) plans.set(stage.index, planStage(stage, stages, plans));
  }
  const all = [...plans.values()];
  const rt = (plans.get(finalIndex) as StagePlan).runtime;
  const notices = all.flatMap((p) => p.notices);
  if (rt.user !== undefined) {
    notices.push(`USER ${rt.user} is not applied: the process runs as the host user`);
  }
  return {
    stages: all.map((p) => p.planned),
    runtime: {
      env: rt.env,
      workdir: rt.workdir,
      entrypoint: rt.entrypoint,
      cmd: rt.cmd,
      ...(rt.user !== undefined ? { user: rt.user } : {}),
      exposedPorts: rt.exposed,
    },
    needsPython: all.some((p) => p.needsPython) || startsPython(rt.entrypoint, rt.cmd),
    notices,
  };
}

/** Whether the process starts with `python`/`pip` (by path or name), which needs the virtualenv. */
function startsPython(entrypoint: readonly string[], cmd: readonly string[]): boolean {
  const first = entrypoint[0] ?? cmd[0];
  return first !== undefined && isPythonCommand(first.split("/").pop() ?? first);
}
