/**
 * One parser per Dockerfile instruction kind (everything but FROM, which starts a stage).
 * Each takes the text after the keyword and the variables in scope, and returns typed
 * instructions. Pure.
 */
import type { Instruction } from "./dockerfile-parse.js";
import { expand, splitWords } from "./dockerfile-words.js";
import { shellCommandLine } from "./shell-words.js";

/** Throws a DockerfileError naming the line, the problem and the fix. */
export type Fail = (line: number, problem: string, fix: string) => never;

/** What an instruction parser needs: where it is, the variables in scope, how to fail. */
export interface InstructionContext {
  readonly line: number;
  /** `\`, or the backtick chosen with `# escape=`. */
  readonly escapeChar: string;
  /** The stage's ARG then ENV values before this line (ENV wins), for `$VAR` expansion. */
  readonly vars: Readonly<Record<string, string>>;
  /** `--build-arg` values. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** ARGs declared before the first FROM. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly fail: Fail;
}

type Parser = (rest: string, ctx: InstructionContext) => Instruction[];

const IGNORED_NOTES: Readonly<Record<string, string>> = {
  HEALTHCHECK: "container health checks come from the task definition",
  LABEL: "labels have no effect on a local process",
  MAINTAINER: "metadata only",
  STOPSIGNAL: "the process is stopped with SIGTERM, as ECS does",
  VOLUME: "volumes are plain folders of the prepared image",
  SHELL: "RUN steps always use /bin/sh -c",
  ONBUILD: "ONBUILD triggers only apply to images built FROM this one",
};

const PARSERS: Readonly<Record<string, Parser>> = {
  ARG: parseArg,
  ENV: parseEnv,
  WORKDIR: parseWorkdir,
  COPY: (rest, ctx) => parseCopy("COPY", rest, ctx),
  ADD: (rest, ctx) => parseCopy("ADD", rest, ctx),
  RUN: parseRun,
  USER: (rest, ctx) => [
    { kind: "user", line: ctx.line, user: splitWords(rest, ctx.vars, ctx.escapeChar).join(" ") },
  ],
  EXPOSE: (rest, ctx) => [
    { kind: "expose", line: ctx.line, ports: splitWords(rest, ctx.vars, ctx.escapeChar) },
  ],
  ENTRYPOINT: (rest, ctx) => [parseStartCommand("entrypoint", rest, ctx.line)],
  CMD: (rest, ctx) => [parseStartCommand("cmd", rest, ctx.line)],
};

/** Whether `keyword` (upper case) is an instruction Docker knows, FROM included. */
export function isKnownInstruction(keyword: string): boolean {
  return keyword === "FROM" || keyword in PARSERS || keyword in IGNORED_NOTES;
}

/** Parse one instruction of a stage; kinds that do not matter locally become `ignored`. */
export function parseInstruction(
  keyword: string,
  rest: string,
  ctx: InstructionContext,
): Instruction[] {
  const parser = PARSERS[keyword];
  if (parser) return parser(rest, ctx);
  return [
    {
      kind: "ignored",
      line: ctx.line,
      keyword,
      note: IGNORED_NOTES[keyword] ?? "not used locally",
    },
  ];
}

/** `ARG` before the first FROM: name/value pairs, `--build-arg` values winning. */
export function globalArgValues(rest: string, ctx: InstructionContext): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of argPairs(rest, ctx)) {
    const resolved = ctx.buildArgs[name] ?? value;
    if (resolved !== undefined) out.push([name, resolved]);
  }
  return out;
}

function parseArg(rest: string, ctx: InstructionContext): Instruction[] {
  return argPairs(rest, ctx).map(([name, value]) => {
    // A stage ARG without a value picks up the global ARG of the same name, as Docker does.
    const resolved = ctx.buildArgs[name] ?? value ?? ctx.globalArgs[name];
    return {
      kind: "arg",
      line: ctx.line,
      name,
      ...(resolved !== undefined ? { value: resolved } : {}),
    };
  });
}

function parseEnv(rest: string, ctx: InstructionContext): Instruction[] {
  return [{ kind: "env", line: ctx.line, vars: envPairs(rest, ctx) }];
}

function parseWorkdir(rest: string, ctx: InstructionContext): Instruction[] {
  const path = splitWords(rest, ctx.vars, ctx.escapeChar).join(" ");
  if (!path) ctx.fail(ctx.line, "WORKDIR has no path.", "Write `WORKDIR /app`.");
  return [{ kind: "workdir", line: ctx.line, path }];
}

function parseCopy(keyword: "COPY" | "ADD", rest: string, ctx: InstructionContext): Instruction[] {
  const { flags, body } = takeFlags(rest);
  const json = jsonArray(body);
  const paths = json
    ? json.map((p) => expand(p, ctx.vars))
    : splitWords(body, ctx.vars, ctx.escapeChar);
  if (paths.length < 2) {
    ctx.fail(
      ctx.line,
      `${keyword} needs at least one source and a destination.`,
      `Write \`${keyword} <src>... <dest>\`.`,
    );
  }
  const from = flags.from !== undefined ? expand(flags.from, ctx.vars) : undefined;
  return [
    {
      kind: "copy",
      line: ctx.line,
      keyword,
      ...(from !== undefined ? { from } : {}),
      sources: paths.slice(0, -1),
      dest: paths[paths.length - 1] as string,
    },
  ];
}

function parseRun(rest: string, ctx: InstructionContext): Instruction[] {
  const { body } = takeFlags(rest);
  const json = jsonArray(body);
  const env = { ...ctx.vars };
  return [
    json
      ? { kind: "run", line: ctx.line, form: "exec", command: shellCommandLine(json), env }
      : { kind: "run", line: ctx.line, form: "shell", command: body, env },
  ];
}

/** ENTRYPOINT or CMD: the exec-form array, or shell form as Docker stores it. */
function parseStartCommand(kind: "entrypoint" | "cmd", rest: string, line: number): Instruction {
  const json = jsonArray(rest);
  return {
    kind,
    line,
    form: json ? "exec" : "shell",
    argv: json ?? (rest ? ["/bin/sh", "-c", rest] : []),
  };
}

/** Parse `["a", "b"]`; undefined when the text is not a JSON array of strings (then shell form). */
function jsonArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  } catch {
    // Docker falls back to shell form for anything that is not valid JSON; so do we.
  }
  return undefined;
}

/** Leading `--flag=value` options of COPY/ADD/RUN; unknown flags are accepted and ignored. */
export function takeFlags(text: string): { flags: Record<string, string>; body: string } {
  const flags: Record<string, string> = {};
  let body = text;
  for (;;) {
    const m = /^--([a-zA-Z-]+)(?:=(\S*))?\s*/.exec(body);
    if (!m) break;
    flags[(m[1] ?? "").toLowerCase()] = m[2] ?? "";
    body = body.slice(m[0].length);
  }
  return { flags, body: body.trim() };
}

function argPairs(rest: string, ctx: InstructionContext): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const word of splitWords(rest, ctx.vars, ctx.escapeChar)) {
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      ctx.fail(
        ctx.line,
        `ARG name \`${name}\` is not valid.`,
        "Use letters, digits and `_`, e.g. `ARG NODE_ENV=production`.",
      );
    }
    out.push([name, eq < 0 ? undefined : word.slice(eq + 1)]);
  }
  return out;
}

/**
 * ENV in both forms: `ENV K=V K2="v 2"` (pairs, expanded against the variables *before* this
 * line, as Docker does) and the legacy `ENV K the rest of the line`.
 */
function envPairs(rest: string, ctx: InstructionContext): [string, string][] {
  const first = /^(\S+)/.exec(rest)?.[1] ?? "";
  if (!first) ctx.fail(ctx.line, "ENV has no variable.", "Write `ENV NAME=value`.");
  if (!first.includes("=")) {
    const value = rest.slice(first.length).trim();
    return [[first, splitWords(value, ctx.vars, ctx.escapeChar, true).join("")]];
  }
  const out: [string, string][] = [];
  for (const word of splitWords(rest, ctx.vars, ctx.escapeChar)) {
    const eq = word.indexOf("=");
    if (eq <= 0) {
      ctx.fail(
        ctx.line,
        `ENV \`${word}\` has no value.`,
        "Write `ENV NAME=value` (quote values that contain spaces).",
      );
    }
    out.push([word.slice(0, eq), word.slice(eq + 1)]);
  }
  return out;
}
