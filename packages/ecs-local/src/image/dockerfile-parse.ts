/**
 * Dockerfile → stages of typed instructions. Pure: text in, data out.
 *
 * ecs-local never runs Docker; it reads the Dockerfile to learn how to prepare a folder and
 * how to start the process. So the parser keeps what matters for that (FROM, ARG, ENV,
 * WORKDIR, COPY/ADD, RUN, USER, EXPOSE, ENTRYPOINT, CMD) and records everything else as
 * `ignored` with a note, rather than failing on instructions that only matter to an image.
 *
 * Variables (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`) are expanded here, as
 * BuildKit does, in FROM (global ARGs), ARG, ENV, WORKDIR, COPY/ADD, USER, EXPOSE and LABEL.
 * RUN and shell-form CMD/ENTRYPOINT keep `$` for the shell.
 */
import { DockerfileError } from "../errors.js";
import {
  type Fail,
  globalArgValues,
  type InstructionContext,
  isKnownInstruction,
  parseInstruction,
  takeFlags,
} from "./dockerfile-instructions.js";
import { logicalLines } from "./dockerfile-lines.js";
import { splitWords } from "./dockerfile-words.js";

export { expand, splitWords } from "./dockerfile-words.js";

export interface ParseOptions {
  /** `--build-arg` values (from the CDK image asset's `buildArgs`). */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Named in error messages; default `Dockerfile`. */
  readonly fileName?: string;
}

interface Located {
  /** 1-based line where the instruction starts. */
  readonly line: number;
}

export type Instruction =
  | (Located & { readonly kind: "arg"; readonly name: string; readonly value?: string })
  | (Located & { readonly kind: "env"; readonly vars: readonly (readonly [string, string])[] })
  | (Located & { readonly kind: "workdir"; readonly path: string })
  | (Located & {
      readonly kind: "copy";
      readonly keyword: "COPY" | "ADD";
      /** Stage name or index (`--from=build`, `--from=0`), or an image reference. */
      readonly from?: string;
      readonly sources: readonly string[];
      readonly dest: string;
    })
  | (Located & {
      readonly kind: "run";
      /** The command as `sh -c` sees it (exec form is re-quoted into one string). */
      readonly command: string;
      readonly form: "shell" | "exec";
      /** Build-time variables visible to the command (ARGs then ENVs, as Docker passes them). */
      readonly env: Readonly<Record<string, string>>;
    })
  | (Located & { readonly kind: "user"; readonly user: string })
  | (Located & { readonly kind: "expose"; readonly ports: readonly string[] })
  | (Located & {
      readonly kind: "entrypoint" | "cmd";
      readonly form: "shell" | "exec";
      /** Exec form: the array; shell form: `["/bin/sh", "-c", text]`, as Docker stores it. */
      readonly argv: readonly string[];
    })
  | (Located & { readonly kind: "ignored"; readonly keyword: string; readonly note: string });

export interface Stage {
  /** Position among the FROM lines, from 0. */
  readonly index: number;
  /** `AS name`, lower-cased as Docker treats stage names. */
  readonly name?: string;
  /** The FROM reference after ARG expansion: an image, or an earlier stage's name. */
  readonly base: string;
  /** Index of the earlier stage this one starts from, when `base` names one. */
  readonly baseStage?: number;
  readonly line: number;
  readonly instructions: readonly Instruction[];
}

export interface ParsedDockerfile {
  readonly stages: readonly Stage[];
}

/** Docker's default PATH for Linux images; ENV lines such as `PATH=/x:$PATH` extend it. */
export const DEFAULT_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** A stage being read: its instructions so far and the ARG/ENV values in scope. */
interface StageBuilder {
  readonly index: number;
  readonly name?: string;
  readonly base: string;
  readonly baseStage?: number;
  readonly line: number;
  readonly instructions: Instruction[];
  readonly args: Record<string, string>;
  readonly env: Record<string, string>;
}

/** Parse a Dockerfile. Throws {@link DockerfileError} naming the line and the fix. */
export function parseDockerfile(text: string, options: ParseOptions = {}): ParsedDockerfile {
  const fileName = options.fileName ?? "Dockerfile";
  const fail: Fail = (line, problem, fix) => {
    throw new DockerfileError(`${fileName} line ${line}: ${problem} ${fix}`);
  };
  const buildArgs = options.buildArgs ?? {};
  const { lines, escapeChar } = logicalLines(text);
  const globalArgs: Record<string, string> = {};
  const stages: StageBuilder[] = [];
  for (const { line, text: raw } of lines) {
    const instruction = readKeyword(raw, line, fail);
    if (!instruction) continue;
    const { keyword, rest } = instruction;
    const scope = stages.at(-1);
    const ctx: InstructionContext = {
      line,
      escapeChar,
      // Before the first FROM, ARG values see the global ARGs declared above them.
      vars: scope ? { ...scope.args, ...scope.env } : { ...globalArgs },
      buildArgs,
      globalArgs,
      fail,
    };
    if (keyword === "FROM") stages.push(startStage(rest, ctx, stages));
    else if (scope) addInstructions(scope, parseInstruction(keyword, rest, ctx));
    else Object.assign(globalArgs, Object.fromEntries(readGlobalArg(keyword, rest, ctx)));
  }
  if (stages.length === 0) {
    fail(1, "there is no FROM instruction.", "A Dockerfile starts with `FROM <image>`.");
  }
  return { stages: stages.map(finishStage) };
}

/** The keyword (upper case) and the rest of a logical line; rejects unknown keywords and heredocs. */
function readKeyword(
  raw: string,
  line: number,
  fail: Fail,
): { keyword: string; rest: string } | undefined {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(raw);
  if (!m) return undefined;
  const keyword = (m[1] ?? "").toUpperCase();
  const rest = (m[2] ?? "").trim();
  if (!isKnownInstruction(keyword)) {
    fail(
      line,
      `unknown instruction \`${m[1]}\`.`,
      "Check the spelling; Docker would reject it too.",
    );
  }
  if (
    /^<<-?\s*["']?[A-Za-z_]/.test(takeFlags(rest).body) &&
    ["RUN", "COPY", "ADD"].includes(keyword)
  ) {
    fail(
      line,
      `${keyword} uses a heredoc (\`<<\`), which ecs-local does not support.`,
      "Write the commands on one line joined with `&&` (use `\\` to continue lines), or COPY a script file.",
    );
  }
  return { keyword, rest };
}

/** `FROM <image> [AS <name>]`: a new stage that inherits ARG/ENV when it starts FROM an earlier one. */
function startStage(
  rest: string,
  ctx: InstructionContext,
  earlier: readonly StageBuilder[],
): StageBuilder {
  const { line, fail } = ctx;
  // FROM sees only the global ARGs, as in Docker.
  const words = splitWords(rest, ctx.globalArgs, ctx.escapeChar).filter((w) => !w.startsWith("--"));
  const base = words[0];
  if (!base) return fail(line, "FROM has no image.", "Write `FROM <image> [AS <name>]`.");
  let name: string | undefined;
  if (words.length >= 3 && words[1]?.toUpperCase() === "AS") name = words[2]?.toLowerCase();
  else if (words.length > 1)
    fail(line, `cannot read \`FROM ${rest}\`.`, "Write `FROM <image> [AS <name>]`.");
  const baseStage = earlier.findIndex((s) => s.name === base.toLowerCase());
  const inherited = baseStage >= 0 ? earlier[baseStage] : undefined;
  return {
    index: earlier.length,
    ...(name !== undefined ? { name } : {}),
    base,
    ...(baseStage >= 0 ? { baseStage } : {}),
    line,
    instructions: [],
    args: { ...(inherited?.args ?? {}) },
    env: { ...(inherited?.env ?? { PATH: DEFAULT_IMAGE_PATH }) },
  };
}

/** Only ARG may come before the first FROM. */
function readGlobalArg(keyword: string, rest: string, ctx: InstructionContext): [string, string][] {
  if (keyword !== "ARG") {
    ctx.fail(
      ctx.line,
      `${keyword} comes before the first FROM.`,
      "Only ARG may precede FROM; move it after FROM.",
    );
  }
  return globalArgValues(rest, ctx);
}

/** Append a line's instructions; ARG and ENV values are in scope for the lines after it. */
function addInstructions(stage: StageBuilder, instructions: readonly Instruction[]): void {
  for (const ins of instructions) {
    stage.instructions.push(ins);
    if (ins.kind === "arg" && ins.value !== undefined) stage.args[ins.name] = ins.value;
    if (ins.kind === "env") for (const [k, v] of ins.vars) stage.env[k] = v;
  }
}

function finishStage(builder: StageBuilder): Stage {
  const { args: _args, env: _env, ...stage } = builder;
  return stage;
}
