/**
 * Parsed Dockerfile → the plan for preparing an image folder without Docker. Pure.
 *
 * Only the stages the final one needs are kept (its FROM chain and `COPY --from` sources).
 * Each RUN is classified: "host" steps (npm, pip, python, coreutils) run on this machine inside
 * the cache copy; "os-package" steps (apt-get, apk, useradd, …) cannot run unprivileged on the
 * host and are skipped with a notice naming what the host must provide; anything else is
 * "unknown" and also skipped, so a build never runs a tool we have not thought about.
 */
import { DockerfileError } from "../errors.js";
import { DEFAULT_IMAGE_PATH, type ParsedDockerfile, type Stage } from "./dockerfile-parse.js";

/** Bumped whenever the meaning of a plan changes, so cached builds are not reused wrongly. */
export const PLAN_VERSION = "ecs-local-image-plan/1";

export type RunClassification = "host" | "os-package" | "unknown";

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
  readonly exposedPorts: readonly { readonly port: number; readonly protocol: "tcp" | "udp" }[];
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
  const fileName = options.fileName ?? "Dockerfile";
  const { stages } = parsed;
  const finalIndex =
    options.target === undefined ? stages.length - 1 : findStage(stages, options.target);
  if (finalIndex < 0) {
    const names = stages.map((s) => s.name ?? String(s.index)).join(", ");
    throw new DockerfileError(
      `${fileName}: target stage "${options.target}" does not exist. Stages are: ${names}. ` +
        "Set the image asset's `target` to one of them.",
    );
  }

  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    const stage = stages[i] as Stage;
    if (stage.baseStage !== undefined) visit(stage.baseStage);
    for (const ins of stage.instructions) {
      if (ins.kind !== "copy" || ins.from === undefined) continue;
      const j = findStage(stages, ins.from);
      if (j >= 0 && j < i) visit(j);
    }
  };
  visit(finalIndex);

  const notices: string[] = [];
  const keys = new Map<number, string>();
  const runtimes = new Map<number, StageRuntime>();
  const planned: PlannedStage[] = [];
  let needsPython = false;

  for (const stage of stages) {
    if (!needed.has(stage.index)) continue;
    const key = stageKey(stage);
    keys.set(stage.index, key);
    const inherited = stage.baseStage !== undefined ? runtimes.get(stage.baseStage) : undefined;
    if (!inherited && /(^|\/)python[:@]|(^|\/)python$/.test(stage.base)) needsPython = true;
    const rt: StageRuntime = inherited
      ? { ...inherited, env: { ...inherited.env }, exposed: [...inherited.exposed], cmdSet: false }
      : {
          env: { PATH: DEFAULT_PATH },
          workdir: "/",
          entrypoint: [],
          cmd: [],
          exposed: [],
          cmdSet: false,
        };
    const steps: PlanStep[] = [];
    for (const ins of stage.instructions) {
      switch (ins.kind) {
        case "env":
          for (const [k, v] of ins.vars) rt.env[k] = v;
          break;
        case "workdir":
          rt.workdir = resolveContainerPath(rt.workdir, ins.path);
          steps.push({ kind: "workdir", line: ins.line, path: rt.workdir });
          break;
        case "copy": {
          let from: string = "context";
          if (ins.from !== undefined) {
            const j = findStage(stages, ins.from);
            if (j < 0 || j >= stage.index) {
              notices.push(
                `line ${ins.line}: skipped \`${ins.keyword} --from=${ins.from}\`: copying from another image is not supported; ` +
                  "copy the files into the build context instead",
              );
              break;
            }
            from = keys.get(j) as string;
          }
          if (ins.keyword === "ADD" && ins.sources.some((s) => /^https?:\/\//.test(s))) {
            notices.push(
              `line ${ins.line}: skipped \`ADD <url>\`: downloads are not made; vendor the file into the context`,
            );
            break;
          }
          const dirLike =
            ins.dest.endsWith("/") ||
            ins.dest === "." ||
            ins.dest === "./" ||
            ins.sources.length > 1;
          const dest = resolveContainerPath(rt.workdir, ins.dest);
          steps.push({
            kind: "copy",
            line: ins.line,
            from,
            sources: ins.sources,
            dest: dirLike && !dest.endsWith("/") ? `${dest}/` : dest,
          });
          break;
        }
        case "run": {
          const { classification, packages, commands } = classifyRun(ins.command);
          if (classification === "host" && commands.some(isPythonCommand)) needsPython = true;
          const notice =
            classification === "host"
              ? undefined
              : skipNotice(ins.line, ins.command, classification, packages, commands);
          if (notice) notices.push(notice);
          steps.push({
            kind: "run",
            line: ins.line,
            command: ins.command,
            classification,
            workdir: rt.workdir,
            env: { ...ins.env },
            ...(notice ? { notice } : {}),
          });
          break;
        }
        case "user":
          rt.user = ins.user;
          break;
        case "expose":
          for (const p of ins.ports) {
            const m = /^(\d+)(?:\/(tcp|udp))?$/i.exec(p);
            if (m)
              rt.exposed.push({
                port: Number(m[1]),
                protocol: (m[2]?.toLowerCase() ?? "tcp") as "tcp" | "udp",
              });
          }
          break;
        case "entrypoint":
          rt.entrypoint = ins.argv;
          // Docker: a new ENTRYPOINT drops a CMD inherited from the base (but not one set in this stage).
          if (!rt.cmdSet) rt.cmd = [];
          break;
        case "cmd":
          rt.cmd = ins.argv;
          rt.cmdSet = true;
          break;
        case "ignored":
          if (ins.keyword === "SHELL") notices.push(`line ${ins.line}: SHELL ignored: ${ins.note}`);
          break;
        case "arg":
          break;
      }
    }
    runtimes.set(stage.index, rt);
    const baseKey = stage.baseStage !== undefined ? keys.get(stage.baseStage) : undefined;
    planned.push({
      index: stage.index,
      ...(stage.name !== undefined ? { name: stage.name } : {}),
      key,
      base: stage.base,
      ...(baseKey !== undefined ? { baseKey } : {}),
      steps,
    });
  }

  const rt = runtimes.get(finalIndex) as StageRuntime;
  const first = rt.entrypoint[0] ?? rt.cmd[0];
  if (first !== undefined && isPythonCommand(first.split("/").pop() ?? first)) needsPython = true;
  if (rt.user !== undefined) {
    notices.push(`USER ${rt.user} is not applied: the process runs as the host user`);
  }
  return {
    stages: planned,
    runtime: {
      env: rt.env,
      workdir: rt.workdir,
      entrypoint: rt.entrypoint,
      cmd: rt.cmd,
      ...(rt.user !== undefined ? { user: rt.user } : {}),
      exposedPorts: rt.exposed,
    },
    needsPython,
    notices,
  };
}

interface StageRuntime {
  env: Record<string, string>;
  workdir: string;
  entrypoint: readonly string[];
  cmd: readonly string[];
  user?: string;
  exposed: { port: number; protocol: "tcp" | "udp" }[];
  cmdSet: boolean;
}

const DEFAULT_PATH = DEFAULT_IMAGE_PATH;

/** Names that must not be used as a stage folder because the build folder uses them. */
const RESERVED_KEYS = new Set(["venv", "done", "context"]);

function stageKey(stage: Stage): string {
  const key = stage.name ?? String(stage.index);
  return RESERVED_KEYS.has(key) ? `stage-${key}` : key;
}

function findStage(stages: readonly Stage[], ref: string): number {
  const lower = ref.toLowerCase();
  const byName = stages.findIndex((s) => s.name === lower);
  if (byName >= 0) return byName;
  return /^\d+$/.test(ref) && Number(ref) < stages.length ? Number(ref) : -1;
}

/** Resolve `p` against the container directory `cwd`, normalising `.`/`..` (trailing `/` kept). */
export function resolveContainerPath(cwd: string, p: string): string {
  const joined = p.startsWith("/") ? p : `${cwd.replace(/\/+$/, "")}/${p}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  const trailing = /\/\.?$/.test(p) && parts.length > 0 ? "/" : "";
  return `/${parts.join("/")}${trailing}`;
}

const HOST_COMMANDS = new Set([
  "npm",
  "npx",
  "yarn",
  "pnpm",
  "node",
  "corepack",
  "pip",
  "pip3",
  "python",
  "python3",
  "mkdir",
  "cp",
  "mv",
  "rm",
  "chmod",
  "ln",
  "echo",
  "touch",
  "cd",
  "true",
  "printf",
  "export",
  // Shell builtins that change nothing outside the step.
  "exit",
  "set",
  "test",
  "[",
  ":",
]);

const OS_COMMANDS = new Set([
  "apt-get",
  "apt",
  "apk",
  "yum",
  "dnf",
  "microdnf",
  "addgroup",
  "adduser",
  "useradd",
  "groupadd",
  "usermod",
  "chown",
  "update-ca-certificates",
]);

const INSTALL_SUBCOMMAND: Readonly<Record<string, string>> = {
  "apt-get": "install",
  apt: "install",
  apk: "add",
  yum: "install",
  dnf: "install",
  microdnf: "install",
};

function isPythonCommand(cmd: string): boolean {
  return /^(pip3?|python3?)(\.\d+)?$/.test(cmd);
}

/**
 * Classify a RUN command by the programs of its `&&`/`||`/`;`/`|` chain. One OS-package
 * program makes the whole chain "os-package" (its other parts, like `rm -rf
 * /var/lib/apt/lists/*`, only make sense after it); one unknown program makes it "unknown".
 */
export function classifyRun(command: string): {
  classification: RunClassification;
  /** Packages named by install subcommands (apt-get install, apk add, …). */
  packages: string[];
  /** The program of each segment, in order. */
  commands: string[];
} {
  const commands: string[] = [];
  const packages: string[] = [];
  let os = false;
  let unknown = false;
  for (const segment of splitChain(command)) {
    const words = shellWords(segment);
    let k = 0;
    // Skip `VAR=value` prefixes, `sudo`, and grouping.
    while (
      k < words.length &&
      (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k] as string) ||
        ["sudo", "(", "{", "exec"].includes(words[k] as string))
    )
      k++;
    const program = words[k];
    if (program === undefined) continue;
    const cmd = program.split("/").pop() as string;
    commands.push(cmd);
    if (OS_COMMANDS.has(cmd)) {
      os = true;
      const sub = INSTALL_SUBCOMMAND[cmd];
      const args = words.slice(k + 1);
      const at = args.indexOf(sub ?? "\0");
      if (sub && at >= 0) {
        for (const a of args.slice(at + 1))
          if (!a.startsWith("-")) packages.push(a.split("=")[0] as string);
      }
    } else if (!HOST_COMMANDS.has(cmd) && !isPythonCommand(cmd)) {
      unknown = true;
    }
  }
  const classification: RunClassification = os
    ? "os-package"
    : unknown || commands.length === 0
      ? "unknown"
      : "host";
  return { classification, packages: [...new Set(packages)], commands };
}

function skipNotice(
  line: number,
  command: string,
  classification: RunClassification,
  packages: readonly string[],
  commands: readonly string[],
): string {
  const shown = command.length > 100 ? `${command.slice(0, 97)}...` : command;
  if (classification === "os-package") {
    return packages.length > 0
      ? `line ${line}: skipped \`${shown}\`: the host must provide ${packages.join(", ")}`
      : `line ${line}: skipped \`${shown}\`: OS users, groups and ownership are not changed locally; the process runs as the host user`;
  }
  const odd = commands.filter(
    (c) => !HOST_COMMANDS.has(c) && !isPythonCommand(c) && !OS_COMMANDS.has(c),
  );
  return (
    `line ${line}: skipped \`${shown}\`: ${odd.length > 0 ? odd.map((c) => `\`${c}\``).join(", ") : "this command"} ` +
    "is not a step ecs-local runs on the host; if the app needs its result, produce it with npm/pip or commit it to the context"
  );
}

/** Split a shell command at `&&`, `||`, `;`, `|` and newlines that are outside quotes. */
function splitChain(command: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (quote) {
      if (c === "\\" && quote === '"') {
        cur += c + (command[i + 1] ?? "");
        i++;
        continue;
      }
      if (c === quote) quote = undefined;
      cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      cur += c;
      continue;
    }
    if (c === "\\") {
      cur += c + (command[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === ";" || c === "\n" || c === "|" || (c === "&" && command[i + 1] === "&")) {
      out.push(cur);
      cur = "";
      if ((c === "&" || c === "|") && command[i + 1] === c) i++;
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== "");
}

/** Words of one simple command (quotes removed, no expansion); enough to find program and args. */
function shellWords(segment: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\") {
      word += segment[i + 1] ?? "";
      i++;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * Point absolute container paths in a shell command at the stage folder, so a host step
 * such as `mkdir -p /app/data` or `rm -rf /var/lib/apt/lists/*` touches the cache copy and
 * never the host. `/dev`, `/proc`, `/sys` and paths already inside `rootDir` stay;
 * `shouldMap` can keep others (e.g. a program path such as `/usr/bin/env` that only the host has).
 */
export function mapCommandPaths(
  command: string,
  rootDir: string,
  shouldMap: (containerPath: string, atProgram: boolean) => boolean = () => true,
): string {
  const root = rootDir.replace(/\/+$/, "");
  // An absolute path starts a word: at the start, or after whitespace, `=`, `<`, `>`, `:`, `(` or a quote.
  return command.replace(
    /(^|[\s=<>:'"(])(\/(?!\/)[^\s;&|'"<>()`]*)/g,
    (whole, pre: string, p: string, offset: number) => {
      if (/^\/(dev|proc|sys)(\/|$)/.test(p)) return whole;
      if (p === root || p.startsWith(`${root}/`)) return whole;
      const atProgram = /(^|[;&|(])\s*$/.test(command.slice(0, offset + pre.length));
      return shouldMap(p, atProgram) ? `${pre}${root}${p}` : whole;
    },
  );
}
