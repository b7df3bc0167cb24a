import { spawn } from "node:child_process";
import { once } from "node:events";
import { UsageError } from "../../errors.js";
import { NSENTER_FLAGS } from "../../sandbox/host-tools.js";
import { ExitError } from "../exit-error.js";
import type { CommandArgs } from "../main.js";
import { callApi, findRun, stateDirFrom } from "../run-client.js";

/** Runs a command inside a task's namespaces, as `aws ecs execute-command` does on ECS. */
export async function run(args: CommandArgs): Promise<void> {
  const [target] = args.positionals;
  if (!target) throw new UsageError("Usage: ecs-local exec <service|task> [-- command ...]");
  const state = findRun(stateDirFrom(args.values));
  const { holderPid } = await callApi<{ taskId: string; holderPid: number }>(
    state,
    `/v1/exec/${encodeURIComponent(target)}`,
  );
  const command = args.rest.length > 0 ? args.rest : ["sh"];
  const child = spawn(
    "nsenter",
    ["--target", String(holderPid), ...NSENTER_FLAGS, "--", ...command],
    {
      stdio: "inherit",
    },
  );
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new ExitError(code ?? 1);
}
