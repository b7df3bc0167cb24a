import type { ServiceStatus } from "../../api/control-plane-view.js";
import { UsageError } from "../../errors.js";
import type { CommandArgs } from "../main.js";
import { callApi, findRun, stateDirFrom } from "../run-client.js";

/** `ecs-local deploy <service>`: a new deployment that replaces every task, as ECS's forceNewDeployment. */
export async function run(args: CommandArgs): Promise<void> {
  const [service] = args.positionals;
  if (!service || args.positionals.length > 1) {
    throw new UsageError(
      "Usage: ecs-local deploy <service>, e.g. `ecs-local deploy backend`; it replaces every task of the service in a rolling deployment.",
    );
  }
  const state = findRun(stateDirFrom(args.values));
  const result = await callApi<ServiceStatus>(
    state,
    `/v1/services/${encodeURIComponent(service)}/deploy`,
    { method: "POST" },
  );
  const primary = result.deployments[0];
  process.stdout.write(
    `${result.name}: deployment ${primary?.id} of revision ${primary?.taskDefinitionRevision} ${primary?.rolloutState}; follow it with \`ecs-local events ${result.name} -f\`\n`,
  );
}
