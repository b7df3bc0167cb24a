import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { ExecTarget } from "../../api/control-plane-view.js";
import { UsageError } from "../../errors.js";
import { NSENTER_FLAGS } from "../../sandbox/host-tools.js";
import { ExitError } from "../exit-error.js";
import type { CommandArgs } from "../main.js";
import { callApi, findRun, stateDirFrom } from "../run-client.js";

/**
 * Runs a command inside a task's namespaces, as `aws ecs execute-command` does on ECS, with
 * the container's environment and working folder, as `docker exec` gives them.
 */
export async function run(args: CommandArgs): Promise<void> {
  const [target] = args.positionals;
  if (!target) {
    throw new UsageError(
      "Usage: ecs-local exec <service|task> [--container <name>] [-- command ...]",
    );
  }
  const state = findRun(stateDirFrom(args.values));
  const query = args.values.container
    ? `?container=${encodeURIComponent(args.values.container)}`
    : "";
  const exec = await callApi<ExecTarget>(state, `/v1/exec/${encodeURIComponent(target)}${query}`);
  const command = args.rest.length > 0 ? args.rest : ["sh"];
  const inContainer = exec.container ? containerSession(exec.container) : undefined;
  if (!exec.container) {
    process.stderr.write(
      `ecs-local: no container of task ${exec.taskId} is running; the command runs in its namespaces with your own environment.\n`,
    );
  } else if (inContainer instanceof Error) {
    process.stderr.write(
      `ecs-local: ${inContainer.message}; the command runs in the task's namespaces with your own environment.\n`,
    );
  }
  const session = inContainer instanceof Error ? undefined : inContainer;
  const child = spawn(
    "nsenter",
    [
      "--target",
      String(exec.holderPid),
      ...NSENTER_FLAGS,
      ...(session ? [`--wd=${session.workingDirectory}`] : []),
      "--",
      ...command,
    ],
    { stdio: "inherit", env: session?.env ?? process.env },
  );
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new ExitError(code ?? 1);
}

/**
 * The container's environment as its process started with it (`/proc/<pid>/environ`, readable
 * by the user who started the run), and its working folder; an error if it cannot be read
 * (the container exited in between).
 */
function containerSession(
  container: NonNullable<ExecTarget["container"]>,
): { env: NodeJS.ProcessEnv; workingDirectory: string } | Error {
  let environ: string;
  try {
    environ = readFileSync(`/proc/${container.pid}/environ`, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new Error(`cannot read the environment of container ${container.name}: ${reason}`);
  }
  const env: NodeJS.ProcessEnv = {};
  for (const entry of environ.split("\0")) {
    const at = entry.indexOf("=");
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  // An interactive shell needs to know the terminal, as `docker exec -t` sets it.
  if (process.stdout.isTTY && process.env.TERM) env.TERM = process.env.TERM;
  return { env, workingDirectory: container.workingDirectory };
}
