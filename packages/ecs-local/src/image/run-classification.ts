/**
 * RUN classification: which steps run on the host (npm, pip, python, coreutils), which are OS
 * package steps the host must stand in for (apt-get, apk, useradd, …), and which are unknown
 * and skipped, so a build never runs a tool we have not thought about. Pure.
 */
import { simpleCommands } from "./shell-words.js";

/** `host` steps run on this machine; the others are skipped with a notice. */
export type RunClassification = "host" | "os-package" | "unknown";

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

/** `pip`, `pip3`, `python`, `python3`, `python3.11`, …: steps that need the image's virtualenv. */
export function isPythonCommand(cmd: string): boolean {
  return /^(pip3?|python3?)(\.\d+)?$/.test(cmd);
}

/** What {@link classifyRun} found in a RUN command. */
export interface RunCommandClass {
  readonly classification: RunClassification;
  /** Packages named by install subcommands (apt-get install, apk add, …). */
  readonly packages: string[];
  /** The program of each segment, in order. */
  readonly commands: string[];
}

/**
 * Classify a RUN command by the programs of its simple commands: those of its
 * `&&`/`||`/`;`/`|`/`&` chain, of subshells and of `$(…)`. One OS-package program makes the
 * whole command "os-package" (its other parts, like `rm -rf /var/lib/apt/lists/*`, only make
 * sense after it); one unknown program makes it "unknown".
 */
export function classifyRun(command: string): RunCommandClass {
  const commands: string[] = [];
  const packages: string[] = [];
  let os = false;
  let unknown = false;
  for (const words of simpleCommands(command)) {
    const simple = programOf(words);
    if (!simple) continue;
    commands.push(simple.program);
    if (OS_COMMANDS.has(simple.program)) {
      os = true;
      packages.push(...installedPackages(simple.program, simple.args));
    } else if (!HOST_COMMANDS.has(simple.program) && !isPythonCommand(simple.program)) {
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

/** The program (base name) of a simple command and its arguments, after `VAR=value`, `sudo`, grouping. */
function programOf(words: readonly string[]): { program: string; args: string[] } | undefined {
  let k = 0;
  while (
    k < words.length &&
    (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k] as string) ||
      ["sudo", "(", "{", "exec"].includes(words[k] as string))
  )
    k++;
  const program = words[k];
  if (program === undefined) return undefined;
  return { program: program.split("/").pop() as string, args: words.slice(k + 1) };
}

/** Packages after the install subcommand of a package manager (`apt-get install -y a b=1.2` → a, b). */
function installedPackages(program: string, args: readonly string[]): string[] {
  const sub = INSTALL_SUBCOMMAND[program];
  const at = sub === undefined ? -1 : args.indexOf(sub);
  if (at < 0) return [];
  return args
    .slice(at + 1)
    .filter((a) => !a.startsWith("-"))
    .map((a) => a.split("=")[0] as string);
}

/** The notice for a RUN step that is not run on the host: what was skipped and what to do. */
export function skipNotice(
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
