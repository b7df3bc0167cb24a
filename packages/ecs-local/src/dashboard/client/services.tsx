import type { RunStatus, ServiceStatus, TaskUsageView } from "../../api/control-plane-view.js";
import { type UsageCell, usageCells } from "../view-model.js";

/** Services with their tasks (lifecycle, health, CPU and memory against limits) and deployments. */
export function Services(props: {
  readonly status: RunStatus;
  readonly usage: Readonly<Record<string, TaskUsageView>>;
}) {
  return (
    <section id="services" aria-labelledby="services-title">
      <h2 id="services-title">Services and tasks</h2>
      <p class="note">Resources: {props.status.resources}</p>
      {props.status.services.map((service) => (
        <Service key={service.name} service={service} usage={props.usage} />
      ))}
    </section>
  );
}

function Service(props: {
  readonly service: ServiceStatus;
  readonly usage: Readonly<Record<string, TaskUsageView>>;
}) {
  const { service } = props;
  const id = `service-${service.name}`;
  return (
    <section class="service" aria-labelledby={`${id}-title`} data-service={service.name}>
      <h3 id={`${id}-title`}>{service.name}</h3>
      <dl class="counts">
        <div>
          <dt>Desired</dt>
          <dd data-count="desired">{service.desiredCount}</dd>
        </div>
        <div>
          <dt>Running</dt>
          <dd data-count="running">{service.runningCount}</dd>
        </div>
        <div>
          <dt>Healthy</dt>
          <dd data-count="healthy">{service.healthyCount}</dd>
        </div>
        <div>
          <dt>Aliases</dt>
          <dd>{service.aliases.length === 0 ? "none" : service.aliases.join(", ")}</dd>
        </div>
      </dl>
      <div class="table-scroll">
        <table>
          <caption id={`${id}-tasks`}>Tasks of {service.name}</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Last status</th>
              <th scope="col">Desired status</th>
              <th scope="col">Health</th>
              <th scope="col">CPU</th>
              <th scope="col">Memory</th>
              <th scope="col">Deployment</th>
              <th scope="col">Stopped reason</th>
            </tr>
          </thead>
          <tbody>
            {service.tasks.length === 0 ? (
              <tr>
                <td colSpan={8}>No task.</td>
              </tr>
            ) : (
              service.tasks.map((task) => {
                const cells = usageCells(props.usage[task.id]);
                return (
                  <tr key={task.id} data-task-id={task.id} data-last-status={task.lastStatus}>
                    <th scope="row">
                      <code>{task.id}</code>
                    </th>
                    <td>
                      <span class={`badge ${statusTone(task.lastStatus)}`}>{task.lastStatus}</span>
                    </td>
                    <td>{task.desiredStatus}</td>
                    <td>
                      <span class={`badge ${healthTone(task.health)}`}>{task.health}</span>
                    </td>
                    <td>
                      <Usage cell={cells?.cpu} label={`CPU of task ${task.id}`} />
                    </td>
                    <td>
                      <Usage cell={cells?.memory} label={`Memory of task ${task.id}`} />
                    </td>
                    <td>
                      <code>{task.deploymentId ?? "—"}</code>
                    </td>
                    <td>{stoppedText(task.stoppedReason, task.exitCodes)}</td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
      <div class="table-scroll">
        <table>
          <caption id={`${id}-deployments`}>Deployments of {service.name}</caption>
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">Status</th>
              <th scope="col">Revision</th>
              <th scope="col">Rollout</th>
              <th scope="col" class="number">
                Desired
              </th>
              <th scope="col" class="number">
                Running
              </th>
              <th scope="col" class="number">
                Failed
              </th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {service.deployments.map((deployment) => (
              <tr key={deployment.id}>
                <th scope="row">
                  <code>{deployment.id}</code>
                </th>
                <td>{deployment.status}</td>
                <td>{deployment.taskDefinitionRevision}</td>
                <td>
                  <span class={`badge ${rolloutTone(deployment.rolloutState)}`}>
                    {deployment.rolloutState}
                  </span>{" "}
                  {deployment.rolloutStateReason}
                </td>
                <td class="number">{deployment.desiredCount}</td>
                <td class="number">{deployment.runningCount}</td>
                <td class="number">{deployment.failedTasks}</td>
                <td>{new Date(deployment.updatedAt).toLocaleTimeString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Usage(props: { readonly cell: UsageCell | undefined; readonly label: string }) {
  if (props.cell === undefined) return <span class="muted">—</span>;
  return (
    <span class="usage">
      <meter aria-label={props.label} min={0} max={1} high={0.8} value={props.cell.share} />{" "}
      {props.cell.text}
    </span>
  );
}

function stoppedText(
  reason: string | undefined,
  exitCodes: Readonly<Record<string, number | null>>,
): string {
  if (reason === undefined) return "";
  const codes = Object.entries(exitCodes)
    .filter(([, code]) => code !== null)
    .map(([container, code]) => `${container} exited ${code}`);
  return codes.length === 0 ? reason : `${reason} (${codes.join(", ")})`;
}

function statusTone(lastStatus: string): string {
  if (lastStatus === "RUNNING") return "good";
  if (lastStatus === "STOPPED") return "neutral";
  return "pending";
}

function healthTone(health: string): string {
  if (health === "HEALTHY") return "good";
  if (health === "UNHEALTHY") return "bad";
  return "neutral";
}

function rolloutTone(state: string): string {
  if (state === "COMPLETED") return "good";
  if (state === "FAILED") return "bad";
  return "pending";
}
