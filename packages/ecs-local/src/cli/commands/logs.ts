import { NoRunError, UsageError } from "../../errors.js";
import type { CommandArgs } from "../main.js";
import { findRun, stateDirFrom } from "../run-client.js";

/** Prints container output, each line prefixed with `<service>/<task> <container> |`. */
export async function run(args: CommandArgs): Promise<void> {
  const state = findRun(stateDirFrom(args.values));
  const query = new URLSearchParams();
  if (args.positionals[0]) query.set("service", args.positionals[0]);
  if (args.values.follow) query.set("follow", "1");
  const response = await fetch(`${state.apiUrl}/v1/logs?${query}`).catch((error: unknown) => {
    throw new NoRunError(
      `The control plane at ${state.apiUrl} did not answer: ${error instanceof Error ? error.message : error}.`,
    );
  });
  if (response.status === 400)
    throw new UsageError(((await response.json()) as { error: string }).error);
  if (!response.body) return;
  for await (const chunk of response.body) process.stdout.write(chunk);
}
