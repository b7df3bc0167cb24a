/**
 * One stage of a Dockerfile → its build steps (WORKDIR, COPY, RUN), the image config it ends
 * with, and the notices for what is skipped. Pure.
 */
import { resolveContainerPath } from "./container-paths.js";
import type { Instruction, Stage } from "./dockerfile-parse.js";
import type { PlannedStage, PlanStep } from "./image-plan.js";
import {
  applyToRuntime,
  inheritRuntime,
  initialRuntime,
  type StageRuntime,
} from "./image-runtime.js";
import { findStage, stageKey } from "./plan-stages.js";
import { classifyRun, isPythonCommand, skipNotice } from "./run-classification.js";

/** What planning one stage yields; a later stage FROM it starts with its `runtime`. */
export interface StagePlan {
  readonly planned: PlannedStage;
  /** The image config at the end of the stage. */
  readonly runtime: StageRuntime;
  readonly notices: readonly string[];
  /** Whether a step or the base image needs the Python virtualenv. */
  readonly needsPython: boolean;
}

/** What one instruction adds to a stage's plan. */
interface InstructionPlan {
  readonly step?: PlanStep;
  readonly notice?: string;
  readonly needsPython?: boolean;
}

type CopyInstruction = Extract<Instruction, { kind: "copy" }>;
type RunInstruction = Extract<Instruction, { kind: "run" }>;

/** Plan `stage`; `earlier` holds the plans of the needed stages before it. */
export function planStage(
  stage: Stage,
  stages: readonly Stage[],
  earlier: ReadonlyMap<number, StagePlan>,
): StagePlan {
  const base = stage.baseStage !== undefined ? earlier.get(stage.baseStage) : undefined;
  let runtime = base ? inheritRuntime(base.runtime) : initialRuntime();
  let needsPython = !base && isPythonImage(stage.base);
  const steps: PlanStep[] = [];
  const notices: string[] = [];
  const sourceKey = (ref: string) => copySourceKey(ref, stage, stages, earlier);
  for (const ins of stage.instructions) {
    runtime = applyToRuntime(runtime, ins);
    const out = planInstruction(ins, runtime.workdir, sourceKey);
    if (out.step) steps.push(out.step);
    if (out.notice) notices.push(out.notice);
    if (out.needsPython) needsPython = true;
  }
  const planned: PlannedStage = {
    index: stage.index,
    ...(stage.name !== undefined ? { name: stage.name } : {}),
    key: stageKey(stage),
    base: stage.base,
    ...(base !== undefined ? { baseKey: base.planned.key } : {}),
    steps,
  };
  return { planned, runtime, notices, needsPython };
}

/** An official Python base image (`python:3.12-slim`, `library/python`), which needs a virtualenv. */
function isPythonImage(base: string): boolean {
  return /(^|\/)python[:@]|(^|\/)python$/.test(base);
}

/** The step (or notice) for one instruction; `workdir` is the WORKDIR after it. */
function planInstruction(
  ins: Instruction,
  workdir: string,
  sourceKey: (ref: string) => string | undefined,
): InstructionPlan {
  switch (ins.kind) {
    case "workdir":
      return { step: { kind: "workdir", line: ins.line, path: workdir } };
    case "copy":
      return planCopy(ins, workdir, sourceKey);
    case "run":
      return planRun(ins, workdir);
    case "ignored":
      return ins.keyword === "SHELL"
        ? { notice: `line ${ins.line}: SHELL ignored: ${ins.note}` }
        : {};
    default:
      return {};
  }
}

/**
 * The key of the planned stage `COPY --from=<ref>` reads, or undefined when `ref` is not an
 * earlier stage (then it is an image, which is not supported).
 */
function copySourceKey(
  ref: string,
  stage: Stage,
  stages: readonly Stage[],
  earlier: ReadonlyMap<number, StagePlan>,
): string | undefined {
  const j = findStage(stages, ref);
  if (j < 0 || j >= stage.index) return undefined;
  return earlier.get(j)?.planned.key;
}

/** COPY/ADD from the context or an earlier stage; `--from` an image and `ADD <url>` are skipped. */
function planCopy(
  ins: CopyInstruction,
  workdir: string,
  sourceKey: (ref: string) => string | undefined,
): InstructionPlan {
  const from = ins.from === undefined ? "context" : sourceKey(ins.from);
  if (from === undefined) {
    return {
      notice:
        `line ${ins.line}: skipped \`${ins.keyword} --from=${ins.from}\`: copying from another image is not supported; ` +
        "copy the files into the build context instead",
    };
  }
  if (ins.keyword === "ADD" && ins.sources.some((s) => /^https?:\/\//.test(s))) {
    return {
      notice: `line ${ins.line}: skipped \`ADD <url>\`: downloads are not made; vendor the file into the context`,
    };
  }
  // Docker copies into a directory when the destination says so or there are several sources.
  const dirLike =
    ins.dest.endsWith("/") || ins.dest === "." || ins.dest === "./" || ins.sources.length > 1;
  const dest = resolveContainerPath(workdir, ins.dest);
  return {
    step: {
      kind: "copy",
      line: ins.line,
      from,
      sources: ins.sources,
      dest: dirLike && !dest.endsWith("/") ? `${dest}/` : dest,
    },
  };
}

/** A RUN step, classified; steps not run on the host carry the notice that says why. */
function planRun(ins: RunInstruction, workdir: string): InstructionPlan {
  const { classification, packages, commands } = classifyRun(ins.command);
  const notice =
    classification === "host"
      ? undefined
      : skipNotice(ins.line, ins.command, classification, packages, commands);
  return {
    step: {
      kind: "run",
      line: ins.line,
      command: ins.command,
      classification,
      workdir,
      env: { ...ins.env },
      ...(notice ? { notice } : {}),
    },
    ...(notice ? { notice } : {}),
    needsPython: classification === "host" && commands.some(isPythonCommand),
  };
}
