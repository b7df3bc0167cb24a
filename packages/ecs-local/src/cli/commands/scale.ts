import type { ServiceStatus } from "../../api/control-plane-view.js";
import { UsageError } from "../../errors.js";
import type { CommandArgs } from "../main.js";
import { callApi, findRun, stateDirFrom } from "../run-client.js";

export async function run(args: CommandArgs): Promise<void> {
  const [service, count] = args.positionals;
  const desiredCount = Number(count);
  if (!service || count === undefined || !Number.isInteger(desiredCount) || desiredCount < 0) {
    throw new UsageError(
      "Usage: ecs-local scale <service> <count>, e.g. `ecs-local scale backend 2`.",
    );
  }
  const state = findRun(stateDirFrom(args.values));
  const result = await callApi<ServiceStatus>(
    state,
    `/v1/services/${encodeURIComponent(service)}/scale`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ desiredCount }),
    },
  );
  process.stdout.write(
    `${result.name}: desired count ${result.desiredCount} (running ${result.runningCount})\n`,
  );
}
