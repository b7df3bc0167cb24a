import type { RunEvent } from "../../api/control-plane-view.js";
import { NoRunError, UsageError } from "../../errors.js";
import type { CommandArgs } from "../main.js";
import { findRun, stateDirFrom } from "../run-client.js";

/**
 * Service events in ECS's words ("has started 1 tasks", "has reached a steady state") and
 * Application Auto Scaling's activities, newest last; `-f` keeps following.
 */
export async function run(args: CommandArgs): Promise<void> {
  const state = findRun(stateDirFrom(args.values));
  const query = new URLSearchParams();
  if (args.positionals[0]) query.set("service", args.positionals[0]);
  if (args.values.follow) query.set("follow", "1");
  const response = await fetch(`${state.apiUrl}/v1/events?${query}`).catch((error: unknown) => {
    throw new NoRunError(
      `The control plane at ${state.apiUrl} did not answer: ${error instanceof Error ? error.message : error}.`,
    );
  });
  if (response.status === 400) {
    throw new UsageError(((await response.json()) as { error: string }).error);
  }
  if (!args.values.follow) {
    for (const event of (await response.json()) as RunEvent[]) {
      process.stdout.write(`${formatEvent(event)}\n`);
    }
    return;
  }
  let partial = "";
  for await (const chunk of response.body ?? []) {
    const lines = (partial + Buffer.from(chunk).toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim()) process.stdout.write(`${formatEvent(JSON.parse(line) as RunEvent)}\n`);
    }
  }
}

/** `2026-11-27T18:00:01Z  backend-service  scaling  Setting desired count to 2. …` */
export function formatEvent(event: RunEvent): string {
  const at = event.at.replace(/\.\d{3}Z$/, "Z");
  return `${at}  ${event.service}  ${event.kind.padEnd(7)}  ${event.message}`;
}
