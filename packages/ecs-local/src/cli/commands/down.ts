import { setTimeout as sleep } from "node:timers/promises";
import { NoRunError } from "../../errors.js";
import { isRunning } from "../../sandbox/procs.js";
import type { CommandArgs } from "../main.js";
import { callApi, findRun, stateDirFrom } from "../run-client.js";

/** Asks the running `up` to stop and waits until its process has exited. */
export async function run(args: CommandArgs): Promise<void> {
  const state = findRun(stateDirFrom(args.values));
  await callApi(state, "/v1/down", { method: "POST" });
  process.stdout.write(`stopping the run of ${state.stackName} (pid ${state.pid})…\n`);
  const deadline = Date.now() + 120_000;
  while (isRunning(state.pid)) {
    if (Date.now() > deadline) {
      throw new NoRunError(
        `pid ${state.pid} is still running after 120 s; stop it with Ctrl-C in its terminal or kill ${state.pid}.`,
      );
    }
    await sleep(100);
  }
  process.stdout.write("stopped\n");
}
