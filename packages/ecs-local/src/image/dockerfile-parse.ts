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

const IGNORED_NOTES: Readonly<Record<string, string>> = {
  HEALTHCHECK: "container health checks come from the task definition",
  LABEL: "labels have no effect on a local process",
  MAINTAINER: "metadata only",
  STOPSIGNAL: "the process is stopped with SIGTERM, as ECS does",
  VOLUME: "volumes are plain folders of the prepared image",
  SHELL: "RUN steps always use /bin/sh -c",
  ONBUILD: "ONBUILD triggers only apply to images built FROM this one",
};

const KNOWN = new Set([
  "FROM",
  "ARG",
  "ENV",
  "WORKDIR",
  "COPY",
  "ADD",
  "RUN",
  "USER",
  "EXPOSE",
  "ENTRYPOINT",
  "CMD",
  ...Object.keys(IGNORED_NOTES),
]);

/** Docker's default PATH for Linux images; ENV lines such as `PATH=/x:$PATH` extend it. */
export const DEFAULT_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

interface LogicalLine {
  readonly line: number;
  readonly text: string;
}

/** Parse a Dockerfile. Throws {@link DockerfileError} naming the line and the fix. */
export function parseDockerfile(text: string, options: ParseOptions = {}): ParsedDockerfile {
  const fileName = options.fileName ?? "Dockerfile";
  const fail = (line: number, problem: string, fix: string): never => {
    throw new DockerfileError(`${fileName} line ${line}: ${problem} ${fix}`);
  };
  const buildArgs = options.buildArgs ?? {};
  const { lines, escapeChar } = logicalLines(text);

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  let current:
    | {
        index: number;
        name?: string;
        base: string;
        baseStage?: number;
        line: number;
        instructions: Instruction[];
        args: Record<string, string>;
        env: Record<string, string>;
      }
    | undefined;
  // What later stages inherit when they start FROM this one.
  const stageVars: { args: Record<string, string>; env: Record<string, string> }[] = [];

  const finish = (): void => {
    if (!current) return;
    const { args, env, ...stage } = current;
    stages.push(stage);
    stageVars.push({ args, env });
  };

  for (const { line, text: raw } of lines) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(raw);
    if (!m) continue;
    const keyword = (m[1] ?? "").toUpperCase();
    const rest = (m[2] ?? "").trim();
    if (!KNOWN.has(keyword)) {
      fail(
        line,
        `unknown instruction \`${m[1]}\`.`,
        "Check the spelling; Docker would reject it too.",
      );
    }
    if (
      /^<<-?\s*["']?[A-Za-z_]/.test(afterFlags(rest)) &&
      ["RUN", "COPY", "ADD"].includes(keyword)
    ) {
      fail(
        line,
        `${keyword} uses a heredoc (\`<<\`), which ecs-local does not support.`,
        "Write the commands on one line joined with `&&` (use `\\` to continue lines), or COPY a script file.",
      );
    }
    if (keyword === "FROM") {
      finish();
      const words = splitWords(rest, globalArgs, escapeChar).filter((w) => !w.startsWith("--"));
      const base = words[0];
      if (!base) fail(line, "FROM has no image.", "Write `FROM <image> [AS <name>]`.");
      let name: string | undefined;
      if (words.length >= 3 && words[1]?.toUpperCase() === "AS") name = words[2]?.toLowerCase();
      else if (words.length > 1)
        fail(line, `cannot read \`FROM ${rest}\`.`, "Write `FROM <image> [AS <name>]`.");
      const index = stages.length;
      const baseKey = (base as string).toLowerCase();
      const baseStage = stages.findIndex((s) => s.name === baseKey);
      const inherited = baseStage >= 0 ? stageVars[baseStage] : undefined;
      current = {
        index,
        ...(name !== undefined ? { name } : {}),
        base: base as string,
        ...(baseStage >= 0 ? { baseStage } : {}),
        line,
        instructions: [],
        args: { ...(inherited?.args ?? {}) },
        env: { ...(inherited?.env ?? { PATH: DEFAULT_IMAGE_PATH }) },
      };
      continue;
    }
    if (!current) {
      if (keyword !== "ARG") {
        fail(
          line,
          `${keyword} comes before the first FROM.`,
          "Only ARG may precede FROM; move it after FROM.",
        );
      }
      for (const [name, value] of argPairs(rest, globalArgs, escapeChar, line, fail)) {
        const resolved = buildArgs[name] ?? value;
        if (resolved !== undefined) globalArgs[name] = resolved;
      }
      continue;
    }
    const stage = current;
    const vars = (): Record<string, string> => ({ ...stage.args, ...stage.env });
    const push = (i: Instruction): void => {
      stage.instructions.push(i);
    };
    switch (keyword) {
      case "ARG":
        for (const [name, value] of argPairs(rest, vars(), escapeChar, line, fail)) {
          // A stage ARG without a value picks up the global ARG of the same name, as Docker does.
          const resolved = buildArgs[name] ?? value ?? globalArgs[name];
          if (resolved !== undefined) stage.args[name] = resolved;
          push({ kind: "arg", line, name, ...(resolved !== undefined ? { value: resolved } : {}) });
        }
        break;
      case "ENV": {
        const pairs = envPairs(rest, vars(), escapeChar, line, fail);
        for (const [k, v] of pairs) stage.env[k] = v;
        push({ kind: "env", line, vars: pairs });
        break;
      }
      case "WORKDIR": {
        const path = splitWords(rest, vars(), escapeChar).join(" ");
        if (!path) fail(line, "WORKDIR has no path.", "Write `WORKDIR /app`.");
        push({ kind: "workdir", line, path });
        break;
      }
      case "COPY":
      case "ADD": {
        const { flags, body } = takeFlags(rest);
        const paths = jsonArray(body) ?? splitWords(body, vars(), escapeChar);
        const expanded = jsonArray(body) ? paths.map((p) => expand(p, vars())) : paths;
        if (expanded.length < 2) {
          fail(
            line,
            `${keyword} needs at least one source and a destination.`,
            `Write \`${keyword} <src>... <dest>\`.`,
          );
        }
        const from = flags.from !== undefined ? expand(flags.from, vars()) : undefined;
        push({
          kind: "copy",
          line,
          keyword,
          ...(from !== undefined ? { from } : {}),
          sources: expanded.slice(0, -1),
          dest: expanded[expanded.length - 1] as string,
        });
        break;
      }
      case "RUN": {
        const { body } = takeFlags(rest);
        const json = jsonArray(body);
        const env = { ...stage.args, ...stage.env };
        push(
          json
            ? { kind: "run", line, form: "exec", command: json.map(shellQuote).join(" "), env }
            : { kind: "run", line, form: "shell", command: body, env },
        );
        break;
      }
      case "USER":
        push({ kind: "user", line, user: splitWords(rest, vars(), escapeChar).join(" ") });
        break;
      case "EXPOSE":
        push({ kind: "expose", line, ports: splitWords(rest, vars(), escapeChar) });
        break;
      case "ENTRYPOINT":
      case "CMD": {
        const json = jsonArray(rest);
        push({
          kind: keyword === "CMD" ? "cmd" : "entrypoint",
          line,
          form: json ? "exec" : "shell",
          argv: json ?? (rest ? ["/bin/sh", "-c", rest] : []),
        });
        break;
      }
      default:
        push({
          kind: "ignored",
          line,
          keyword,
          note: IGNORED_NOTES[keyword] ?? "not used locally",
        });
    }
  }
  finish();
  if (stages.length === 0) {
    fail(1, "there is no FROM instruction.", "A Dockerfile starts with `FROM <image>`.");
  }
  return { stages };
}

/**
 * Join continuation lines, drop comments and blank lines, and read parser directives
 * (`# syntax=` is accepted and ignored; `# escape=` changes the continuation character).
 */
function logicalLines(text: string): { lines: LogicalLine[]; escapeChar: string } {
  const physical = text.replace(/\r\n?/g, "\n").split("\n");
  let escapeChar = "\\";
  let i = 0;
  // Directives are only recognised at the very top, before any other line.
  for (; i < physical.length; i++) {
    const d = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(physical[i] ?? "");
    if (!d) break;
    if (d[1]?.toLowerCase() === "escape" && (d[2] === "`" || d[2] === "\\")) escapeChar = d[2];
  }
  const lines: LogicalLine[] = [];
  let pending: { line: number; parts: string[] } | undefined;
  for (; i < physical.length; i++) {
    const raw = physical[i] ?? "";
    const trimmed = raw.trim();
    // Comment lines are removed even inside a continued instruction, as Docker does.
    if (trimmed.startsWith("#")) continue;
    // Blank lines end nothing: Docker (with a warning) keeps joining a continued instruction.
    if (trimmed === "") continue;
    const continued = raw.trimEnd().endsWith(escapeChar);
    const part = continued ? raw.trimEnd().slice(0, -1) : raw;
    if (!pending) pending = { line: i + 1, parts: [] };
    pending.parts.push(part);
    if (!continued) {
      lines.push({ line: pending.line, text: pending.parts.join("") });
      pending = undefined;
    }
  }
  if (pending) lines.push({ line: pending.line, text: pending.parts.join("") });
  return { lines, escapeChar };
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
function takeFlags(text: string): { flags: Record<string, string>; body: string } {
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

function afterFlags(text: string): string {
  return takeFlags(text).body;
}

type Fail = (line: number, problem: string, fix: string) => never;

function argPairs(
  rest: string,
  vars: Record<string, string>,
  escapeChar: string,
  line: number,
  fail: Fail,
): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const word of splitWords(rest, vars, escapeChar)) {
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      fail(
        line,
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
function envPairs(
  rest: string,
  vars: Record<string, string>,
  escapeChar: string,
  line: number,
  fail: Fail,
): [string, string][] {
  const first = /^(\S+)/.exec(rest)?.[1] ?? "";
  if (!first) fail(line, "ENV has no variable.", "Write `ENV NAME=value`.");
  if (!first.includes("=")) {
    const value = rest.slice(first.length).trim();
    return [[first, splitWords(value, vars, escapeChar, true).join("")]];
  }
  const out: [string, string][] = [];
  for (const word of splitWords(rest, vars, escapeChar)) {
    const eq = word.indexOf("=");
    if (eq <= 0) {
      fail(
        line,
        `ENV \`${word}\` has no value.`,
        "Write `ENV NAME=value` (quote values that contain spaces).",
      );
    }
    out.push([word.slice(0, eq), word.slice(eq + 1)]);
  }
  return out;
}

/**
 * Split a line into words the way Docker's shell lexer does for non-RUN instructions:
 * quotes group, `\` escapes, `$` expands (not inside single quotes). With `single`, the
 * whole text is one word (whitespace kept), as for the legacy ENV form.
 */
export function splitWords(
  text: string,
  vars: Readonly<Record<string, string>>,
  escapeChar = "\\",
  single = false,
): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (c === escapeChar && i + 1 < text.length) {
      const next = text[i + 1] as string;
      // Inside double quotes only \" \\ \$ are escapes; elsewhere any character is.
      if (quote !== '"' || next === '"' || next === escapeChar || next === "$") {
        word += next;
        i++;
        inWord = true;
        continue;
      }
    }
    if (c === "$") {
      const { value, length } = expandAt(text, i, vars);
      word += value;
      i += length - 1;
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (!single && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (inWord) words.push(word);
  return words;
}

/** Expand `$VAR` forms in text without touching quotes (used for JSON-form COPY paths). */
export function expand(text: string, vars: Readonly<Record<string, string>>): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$") {
      const { value, length } = expandAt(text, i, vars);
      out += value;
      i += length - 1;
    } else out += text[i];
  }
  return out;
}

/** Expand the variable reference starting at `text[i] === "$"`; returns its value and length. */
function expandAt(
  text: string,
  i: number,
  vars: Readonly<Record<string, string>>,
): { value: string; length: number } {
  const simple = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
  if (simple) return { value: vars[simple[1] as string] ?? "", length: simple[0].length };
  if (text[i + 1] !== "{") return { value: "$", length: 1 };
  const close = text.indexOf("}", i + 2);
  if (close < 0) return { value: text.slice(i), length: text.length - i };
  const inner = text.slice(i + 2, close);
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(inner);
  const length = close - i + 1;
  if (!m) return { value: "", length };
  const name = m[1] as string;
  const op = m[2];
  const word = expand(m[3] ?? "", vars);
  const value = vars[name];
  switch (op) {
    case ":-":
      return { value: value ? value : word, length };
    case "-":
      return { value: value ?? word, length };
    case ":+":
      return { value: value ? word : "", length };
    case "+":
      return { value: value !== undefined ? word : "", length };
    default:
      return { value: value ?? "", length };
  }
}

/** Quote one argument for `sh -c`, leaving plain words readable. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
