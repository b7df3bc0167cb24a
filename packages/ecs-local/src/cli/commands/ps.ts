import type { PolicyStatusView, RunStatus } from "../../api/control-plane-view.js";
import type { CommandArgs } from "../main.js";
import { callApi, findRun, stateDirFrom } from "../run-client.js";

export async function run(args: CommandArgs): Promise<void> {
  const state = findRun(stateDirFrom(args.values));
  const status = await callApi<RunStatus>(state, "/v1/status");
  process.stdout.write(formatStatus(status, state.awsEndpoint));
}

/** `memory 23.4 % (target 20) AlarmHigh ALARM, AlarmLow OK`: a policy's metric against its target. */
function formatPolicy(policy: PolicyStatusView): string {
  const value = policy.value === undefined ? "no data yet" : policy.value.toFixed(1);
  const target = policy.target === undefined ? "" : ` (target ${policy.target})`;
  const alarms = policy.alarms
    .map((a) => `${a.name.replace(/^TargetTracking-.*-(Alarm\w+)-.*$/, "$1")} ${a.state}`)
    .join(", ");
  return `${policy.kind} ${policy.metric}: ${value}${target}${alarms ? `; ${alarms}` : ""}`;
}

/** The `ps` table: one block per service, one line per task. */
export function formatStatus(status: RunStatus, awsEndpoint?: string): string {
  const lines = [`stack ${status.stackName} (time scale ${status.timeScale})`];
  if (status.resources) lines.push(`resources: ${status.resources}`);
  for (const listener of status.listeners) lines.push(`load balancer  ${listener.url}`);
  if (awsEndpoint) lines.push(`AWS APIs       ${awsEndpoint}  (AWS_ENDPOINT_URL)`);
  for (const service of status.services) {
    lines.push("");
    lines.push(
      `${service.name}  desired ${service.desiredCount}  running ${service.runningCount}  healthy ${service.healthyCount}` +
        (service.aliases.length ? `  aliases ${service.aliases.join(", ")}` : ""),
    );
    for (const d of service.deployments) {
      const counts =
        d.status === "PRIMARY"
          ? `running ${d.runningCount} of ${d.desiredCount}`
          : `running ${d.runningCount}`;
      const failed = d.failedTasks > 0 ? `  failed tasks ${d.failedTasks}` : "";
      lines.push(
        `  deployment ${d.id}  ${d.status.padEnd(7)}  revision ${d.taskDefinitionRevision}  ${d.rolloutState.padEnd(11)}  ${counts}${failed}`,
      );
    }
    const revisions = new Map(service.deployments.map((d) => [d.id, d.taskDefinitionRevision]));
    if (service.cloudMap.length > 0) {
      const names = service.cloudMap.map((c) => `${c.discoveryName} ${c.instances} instance(s)`);
      lines.push(`  Cloud Map: ${names.join(", ")}`);
    }
    if (service.scaling) {
      lines.push(`  scaling: ${service.scaling.minCapacity}..${service.scaling.maxCapacity} tasks`);
      for (const policy of service.scaling.policies) lines.push(`    ${formatPolicy(policy)}`);
    }
    for (const task of service.tasks) {
      const exits = Object.entries(task.exitCodes)
        .map(([name, code]) => `${name}=${code}`)
        .join(" ");
      lines.push(
        (
          `  ${task.id.slice(0, 12)}  ${task.lastStatus.padEnd(12)} ${task.health.padEnd(9)}` +
          (task.deploymentId && revisions.has(task.deploymentId) && task.lastStatus !== "STOPPED"
            ? `revision ${revisions.get(task.deploymentId)}  `
            : "") +
          (task.address && task.lastStatus !== "STOPPED" ? `${task.address}  ` : "") +
          (task.stoppedReason ? `stopped: ${task.stoppedReason}` : "") +
          (exits ? `  exit ${exits}` : "")
        ).trimEnd(),
      );
      // Each ingress socket takes a connection to its port: `curl --unix-socket <path> http://x/`.
      if (task.lastStatus !== "STOPPED") {
        for (const [port, socket] of Object.entries(task.sockets)) {
          lines.push(`      ${port} → ${socket}`);
        }
      }
    }
  }
  return `${lines.join("\n")}\n`;
}
