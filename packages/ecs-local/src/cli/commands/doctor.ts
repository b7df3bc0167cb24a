import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { pickStack, readCloudAssembly } from "../../assembly/cloud-assembly.js";
import { runLayout } from "../../control/run-layout.js";
import { EcsLocalError, UsageError } from "../../errors.js";
import { buildModel } from "../../model/build-model.js";
import { hostPortFor } from "../../proxy/listener-rules.js";
import { detectCgroups } from "../../sandbox/cgroups.js";
import {
  checkRequirement,
  detectHost,
  ensureHostRequirements,
  type HostFacts,
  type RequirementCheck,
} from "../../sandbox/host-check.js";
import {
  type HostRequirement,
  installHint,
  OPTIONAL_REQUIREMENTS,
  optionalRequirements,
  RUN_REQUIREMENTS,
} from "../../sandbox/host-requirements.js";
import { probeNamespaces } from "../../sandbox/probe.js";
import { ExitError } from "../exit-error.js";
import type { CommandArgs } from "../main.js";
import { Progress } from "../progress.js";
import { activeRun, stateDirFrom } from "../run-client.js";
import { reportInstall } from "../step-reports.js";
import { parseListenerPorts } from "../up-flags.js";

/**
 * Checks everything `up` needs from this machine and says, for each missing piece, why it is
 * needed and the exact command that installs it. `--fix` installs what it can; `--with`
 * adds optional requirements (`--with flask,wrk`). Exits 1 while something is missing.
 */
export async function run(args: CommandArgs): Promise<void> {
  const requirements = [...RUN_REQUIREMENTS, ...withRequirements(args.values.with ?? [])];
  const host = await detectHost();
  const progress = new Progress();
  const say = (line: string) => progress.say(line);
  say(`ecs-local doctor: ${host.distribution}; ${describeInstaller(host)}`);

  let checks = await Promise.all(requirements.map(checkRequirement));
  if (args.values.fix && checks.some((c) => !c.ok)) {
    const missing = checks.filter((c) => !c.ok).map((c) => c.requirement);
    await ensureHostRequirements(missing, { host, onProgress: reportInstall(progress) });
    checks = await Promise.all(requirements.map(checkRequirement));
  }
  for (const check of checks) say(formatCheck(check));

  let problems = checks.filter((c) => !c.ok).length;
  try {
    await probeNamespaces();
    say(row(true, "namespaces", "user, network, mount and UTS namespaces can be created"));
  } catch (error) {
    problems++;
    say(row(false, "namespaces", error instanceof Error ? error.message : String(error)));
  }
  say(row(true, "cgroups", detectCgroups().summary));
  for (const line of await portLines(args)) {
    if (!line.ok) problems++;
    say(row(line.ok, line.label, line.detail));
  }

  const missing = checks.filter((c) => !c.ok).map((c) => c.requirement);
  if (missing.length > 0) say(installAdvice(missing, host));
  if (problems > 0) throw new ExitError(1);
  say("everything ecs-local needs is here");
}

function withRequirements(values: readonly string[]): HostRequirement[] {
  const names = values
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  const { found, unknown } = optionalRequirements(names);
  if (unknown.length > 0) {
    throw new UsageError(
      `--with ${unknown.join(",")}: unknown; choose from ${OPTIONAL_REQUIREMENTS.map((r) => r.name).join(", ")}.`,
    );
  }
  return found;
}

function describeInstaller(host: HostFacts): string {
  if (host.manager === undefined) return "no known package manager (apt, dnf, apk, pacman)";
  const who = { root: "as root", sudo: "through passwordless sudo", none: "" }[host.privilege];
  return host.privilege === "none"
    ? `${host.manager}; cannot install (not root, and sudo needs a password)`
    : `${host.manager}; can install ${who}`;
}

function row(ok: boolean, label: string, detail: string): string {
  return `  ${ok ? "✓" : "✗"} ${label.padEnd(12)} ${detail}`;
}

function formatCheck(check: RequirementCheck): string {
  const { requirement } = check;
  return check.ok
    ? row(true, requirement.name, check.detail)
    : row(false, requirement.name, `${check.detail}; it ${requirement.why}`);
}

function installAdvice(missing: readonly HostRequirement[], host: HostFacts): string {
  const { manager } = host;
  if (manager === undefined) {
    return `Install ${missing.map((r) => r.name).join(", ")} with your distribution's package manager.`;
  }
  const hint = installHint(
    manager,
    missing.map((r) => r.packages[manager]),
    host.isRoot,
  );
  const upInstalls = missing.some((r) => RUN_REQUIREMENTS.includes(r))
    ? "; `ecs-local up` installs what it needs itself"
    : "";
  const auto =
    host.privilege === "none" ? "" : `\n(or run \`ecs-local doctor --fix\`${upInstalls})`;
  return `To install what is missing:\n  ${hint}${auto}`;
}

interface PortLine {
  readonly ok: boolean;
  readonly label: string;
  readonly detail: string;
}

/** The host ports the load balancer listeners will take, from the last synth if there is one. */
async function portLines(args: CommandArgs): Promise<PortLine[]> {
  const stateDir = stateDirFrom(args.values);
  const overrides = parseListenerPorts(args.values["listener-port"] ?? []);
  const active = activeRun(stateDir);
  const listeners = knownListenerPorts(runLayout(stateDir).cdkOut, args.values.stack) ?? [80];
  const lines: PortLine[] = [];
  for (const listener of listeners) {
    const port = hostPortFor(listener, overrides);
    const label = `port ${port}`;
    if (active) {
      lines.push({ ok: true, label, detail: `used by the run in progress (pid ${active.pid})` });
      continue;
    }
    const problem = await portProblem(port);
    lines.push({
      ok: problem === undefined,
      label,
      detail:
        problem === undefined
          ? `free for listener :${listener}`
          : `${problem}; listener :${listener} needs it. Free it, or pass --listener-port ${listener}=<free port> to up.`,
    });
  }
  return lines;
}

function knownListenerPorts(cdkOut: string, stack: string | undefined): number[] | undefined {
  if (!existsSync(cdkOut)) return undefined;
  try {
    const artifact = pickStack(readCloudAssembly(cdkOut), stack);
    const model = buildModel(artifact.template, {
      stackName: artifact.stackName,
      imageAssets: artifact.imageAssets,
    });
    return model.loadBalancers.flatMap((lb) => lb.listeners.map((l) => l.port));
  } catch (error) {
    if (error instanceof EcsLocalError) return undefined; // several stacks, a stale synth…
    throw error;
  }
}

function portProblem(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "EADDRINUSE" ? "in use" : `cannot be opened (${error.code})`),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(undefined)));
  });
}
