/**
 * Checks the host for the requirements of `host-requirements.ts` and, where this process may,
 * installs what is missing with the distribution's package manager. It never prompts: either
 * the install runs non-interactively (root, or passwordless sudo) or the error carries the
 * exact command for the user to run.
 */
import { readFileSync } from "node:fs";
import { HostRequirementError } from "../errors.js";
import {
  distributionName,
  type HostRequirement,
  type InstallPrivilege,
  installCommands,
  installHint,
  PACKAGE_MANAGERS,
  type PackageManager,
  packageManagerFor,
  type RequirementProbe,
} from "./host-requirements.js";
import { findTool, findToolCandidates, pythonInterpreter } from "./host-tools.js";
import { describeExit, runProcess, succeeded } from "./run-process.js";

export interface HostFacts {
  /** e.g. "Debian GNU/Linux 12 (bookworm)". */
  readonly distribution: string;
  /** The package manager found for this distribution, if ecs-local knows it. */
  readonly manager: PackageManager | undefined;
  readonly privilege: InstallPrivilege;
  readonly isRoot: boolean;
}

const MANAGER_BINARY: Readonly<Record<PackageManager, string>> = {
  apt: "apt-get",
  dnf: "dnf",
  apk: "apk",
  pacman: "pacman",
};

/** The distribution, its package manager, and whether this process may install packages. */
export async function detectHost(): Promise<HostFacts> {
  let osRelease = "";
  try {
    osRelease = readFileSync("/etc/os-release", "utf8");
  } catch {
    // not every system has it; fall back to whichever package manager is installed
  }
  let manager = packageManagerFor(osRelease);
  if (manager !== undefined && (await findTool(MANAGER_BINARY[manager])) === undefined) {
    manager = undefined;
  }
  if (manager === undefined) {
    for (const candidate of PACKAGE_MANAGERS) {
      if (await findTool(MANAGER_BINARY[candidate])) {
        manager = candidate;
        break;
      }
    }
  }
  const isRoot = process.getuid?.() === 0;
  let privilege: InstallPrivilege = isRoot ? "root" : "none";
  if (!isRoot && (await findTool("sudo"))) {
    // -n: fail at once instead of asking for a password.
    const probe = await runProcess(["sudo", "-n", "true"], { timeoutMs: 5_000 });
    if (succeeded(probe)) privilege = "sudo";
  }
  return { distribution: distributionName(osRelease), manager, privilege, isRoot };
}

export interface RequirementCheck {
  readonly requirement: HostRequirement;
  readonly ok: boolean;
  /** Where it was found (`/usr/sbin/nft`), or what is missing. */
  readonly detail: string;
}

/** Checks one requirement: every probe must pass. */
export async function checkRequirement(requirement: HostRequirement): Promise<RequirementCheck> {
  const found: string[] = [];
  for (const probe of requirement.probes) {
    const result = await runProbe(probe);
    if (result === undefined) {
      return { requirement, ok: false, detail: `missing: ${describeProbe(probe)}` };
    }
    found.push(result);
  }
  return { requirement, ok: true, detail: found.join(", ") };
}

async function runProbe(probe: RequirementProbe): Promise<string | undefined> {
  if (probe.kind === "command") return findTool(probe.name);
  if (probe.kind === "versioned-command") {
    for (const candidate of await findToolCandidates(probe.name)) {
      const result = await runProcess([candidate, ...probe.versionArgs], { timeoutMs: 20_000 });
      if (probe.versionPattern.test(`${result.stdout}\n${result.stderr}`)) return candidate;
    }
    return undefined;
  }
  const python = pythonInterpreter();
  const result = await runProcess([python, "-c", `import ${probe.module}`], { timeoutMs: 20_000 });
  return succeeded(result) ? `${python}: ${probe.module}` : undefined;
}

function describeProbe(probe: RequirementProbe): string {
  switch (probe.kind) {
    case "command":
      return `'${probe.name}' on PATH`;
    case "versioned-command":
      return `'${probe.name}' on PATH that is ${probe.wanted} (\`${[probe.name, ...probe.versionArgs].join(" ")}\`)`;
    case "python-module":
      return `Python module '${probe.module}' for ${pythonInterpreter()}`;
  }
}

export type InstallProgress =
  /** What is installed and why, said once before anything runs. */
  | { readonly type: "notice"; readonly message: string }
  | { readonly type: "step"; readonly message: string }
  | { readonly type: "output"; readonly message: string }
  | { readonly type: "done"; readonly message: string };

export interface EnsureOptions {
  /** Install what is missing when this process may. @default true */
  readonly install?: boolean;
  readonly onProgress?: (event: InstallProgress) => void;
  readonly signal?: AbortSignal;
  /** Detected once by the caller, or here. */
  readonly host?: HostFacts;
}

/**
 * Resolves once every requirement is met, installing what is missing when allowed; throws a
 * {@link HostRequirementError} naming each missing piece, why it is needed and the command to
 * install it otherwise.
 */
export async function ensureHostRequirements(
  requirements: readonly HostRequirement[],
  options: EnsureOptions = {},
): Promise<void> {
  const missing = await missingOf(requirements);
  if (missing.length === 0) return;
  const host = options.host ?? (await detectHost());
  const plan = planInstall(missing, host, options.install !== false);
  if (plan.type === "refuse") throw new HostRequirementError(plan.message);
  options.onProgress?.({ type: "notice", message: plan.notice });
  for (const argv of plan.commands) {
    options.onProgress?.({ type: "step", message: argv.join(" ") });
    const result = await runProcess(argv, {
      timeoutMs: 15 * 60_000,
      tailLines: 15,
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line) => options.onProgress?.({ type: "output", message: line }),
    });
    if (!succeeded(result)) {
      throw new HostRequirementError(
        `Installing ${plan.packages.join(", ")} failed: \`${argv.join(" ")}\` ${describeExit(result)}.\n` +
          `Last lines of its output:\n${result.tail.join("\n")}\n` +
          `Run it by hand to see why (network, a held package lock): ${plan.hint}`,
      );
    }
  }
  const stillMissing = await missingOf(missing);
  if (stillMissing.length > 0) {
    throw new HostRequirementError(
      `${stillMissing.map((r) => r.name).join(", ")} still missing after installing ${plan.packages.join(", ")} with ${host.manager}. ` +
        "Check that the package provides it on this distribution and that its folder is on PATH.",
    );
  }
  options.onProgress?.({ type: "done", message: `installed ${plan.packages.join(" ")}` });
}

/** What to do about missing requirements: run these commands, or refuse with this message. */
export type InstallPlan =
  | {
      readonly type: "install";
      readonly packages: readonly string[];
      readonly commands: readonly string[][];
      /** Said before installing: what and why. */
      readonly notice: string;
      /** The command for a user to paste, should the install fail. */
      readonly hint: string;
    }
  | { readonly type: "refuse"; readonly message: string };

/** Decides how to get `missing` onto `host`. Pure. */
export function planInstall(
  missing: readonly HostRequirement[],
  host: HostFacts,
  allowInstall: boolean,
): InstallPlan {
  const why = missing.map((r) => `  - ${r.name}: ${r.why}`).join("\n");
  const { manager } = host;
  if (manager === undefined) {
    return {
      type: "refuse",
      message:
        `This machine lacks what ecs-local needs:\n${why}\n` +
        `ecs-local knows apt, dnf, apk and pacman, and found none of them on ${host.distribution}. ` +
        "Install the tools above with your package manager, then run ecs-local again.",
    };
  }
  const packages = [...new Set(missing.map((r) => r.packages[manager]))];
  const hint = installHint(manager, packages, host.isRoot);
  if (!allowInstall || host.privilege === "none") {
    const reason = allowInstall
      ? "ecs-local cannot install them itself: it runs without root, and sudo asks for a password.\n"
      : "";
    return {
      type: "refuse",
      message:
        `This machine lacks what ecs-local needs:\n${why}\n${reason}` +
        `Install them with:\n  ${hint}\nthen run ecs-local again (\`ecs-local doctor\` checks everything).`,
    };
  }
  return {
    type: "install",
    packages,
    commands: installCommands(manager, packages, host.privilege),
    notice: `installing ${packages.join(" ")} with ${manager}, because this machine lacks:\n${why}`,
    hint,
  };
}

async function missingOf(requirements: readonly HostRequirement[]): Promise<HostRequirement[]> {
  const checks = await Promise.all(requirements.map(checkRequirement));
  return checks.filter((c) => !c.ok).map((c) => c.requirement);
}
