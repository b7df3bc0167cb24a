import { useMemo } from "preact/hooks";
import type { RunStatus, ServiceStatus } from "../../api/control-plane-view.js";
import { type TimelineService, timelineChart, timelineSummary } from "../view-model.js";
import { Chart } from "./chart.js";

/** Cloud Map instances per discovery name. */
export function CloudMap(props: { readonly status: RunStatus }) {
  const rows = props.status.services.flatMap((service) =>
    service.cloudMap.map((entry) => ({ service: service.name, ...entry })),
  );
  return (
    <section id="cloud-map" aria-labelledby="cloud-map-title">
      <h2 id="cloud-map-title">Cloud Map</h2>
      <table>
        <caption>Registered instances per discovery name</caption>
        <thead>
          <tr>
            <th scope="col">Discovery name</th>
            <th scope="col">Service</th>
            <th scope="col" class="number">
              Instances
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={3}>No service registers a discovery name.</td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={`${row.service}/${row.discoveryName}`}>
                <th scope="row">{row.discoveryName}</th>
                <td>{row.service}</td>
                <td class="number">{row.instances}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}

/** Per service: desired and running tasks over time, each policy's metric against its target. */
export function Scaling(props: {
  readonly status: RunStatus;
  readonly timeline: readonly TimelineService[];
}) {
  return (
    <section id="scaling" aria-labelledby="scaling-title">
      <h2 id="scaling-title">Scaling timeline</h2>
      {props.status.services.map((service) => (
        <ServiceScaling
          key={service.name}
          service={service}
          timeline={props.timeline.find((entry) => entry.name === service.name)}
        />
      ))}
    </section>
  );
}

function ServiceScaling(props: {
  readonly service: ServiceStatus;
  readonly timeline: TimelineService | undefined;
}) {
  const { service } = props;
  const timeline = props.timeline ?? { name: service.name, targets: {}, points: [] };
  const chart = useMemo(() => timelineChart(timeline), [timeline]);
  const scaling = service.scaling;
  return (
    <div class="scaling" data-service={service.name}>
      <Chart
        id={`timeline-${service.name}`}
        title={`${service.name}: tasks and scaling metrics`}
        summary={timelineSummary(timeline)}
        data={chart}
        leftLabel="tasks"
        rightLabel="metric"
      />
      {scaling === undefined ? (
        <p class="note">{service.name} has no scalable target.</p>
      ) : (
        <table>
          <caption>
            Policies of {service.name} (capacity {scaling.minCapacity} to {scaling.maxCapacity})
          </caption>
          <thead>
            <tr>
              <th scope="col">Policy</th>
              <th scope="col">Kind</th>
              <th scope="col">Metric</th>
              <th scope="col" class="number">
                Value
              </th>
              <th scope="col" class="number">
                Target
              </th>
              <th scope="col">Alarms</th>
            </tr>
          </thead>
          <tbody>
            {scaling.policies.map((policy) => (
              <tr key={policy.policy}>
                <th scope="row">{policy.policy}</th>
                <td>{policy.kind}</td>
                <td>{policy.metric}</td>
                <td class="number">{policy.value === undefined ? "—" : policy.value.toFixed(1)}</td>
                <td class="number">{policy.target ?? "—"}</td>
                <td>
                  {policy.alarms.length === 0
                    ? "—"
                    : policy.alarms.map((alarm) => `${alarm.name}: ${alarm.state}`).join(", ")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
