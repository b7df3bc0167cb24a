import { useMemo } from "preact/hooks";
import type { RunStatus, TrafficView } from "../../api/control-plane-view.js";
import {
  edgeKey,
  edgeLabel,
  formatMs,
  formatPercent,
  formatRate,
  type TrafficSample,
  trafficChart,
  trafficSummary,
} from "../view-model.js";
import { Chart } from "./chart.js";

/** ALB → services → Service Connect edges, each with its live traffic, and its history. */
export function Topology(props: {
  readonly status: RunStatus;
  readonly traffic: TrafficView | undefined;
  readonly history: readonly TrafficSample[];
}) {
  const { status, traffic, history } = props;
  const chart = useMemo(() => trafficChart(history), [history]);
  // ALB edges first: the order a request takes, from the listener inwards.
  const edges = [...(traffic?.edges ?? [])].sort(
    (a, b) =>
      (a.kind === "alb" ? 0 : 1) - (b.kind === "alb" ? 0 : 1) ||
      edgeLabel(a).localeCompare(edgeLabel(b)),
  );
  return (
    <section id="topology" aria-labelledby="topology-title">
      <h2 id="topology-title">Topology</h2>
      <p>
        Load balancer listeners:{" "}
        {status.listeners.length === 0
          ? "none"
          : status.listeners.map((listener, index) => (
              <span key={listener.port}>
                {index > 0 ? ", " : ""}
                <a href={listener.url}>
                  :{listener.port} at {listener.url}
                </a>
              </span>
            ))}
      </p>
      <div class="table-scroll">
        <table class="edges">
          <caption id="edges-caption">
            Traffic per edge
            {traffic === undefined ? "" : `, over the last ${traffic.windowSeconds} s`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Edge</th>
              <th scope="col">Kind</th>
              <th scope="col">Via</th>
              <th scope="col" class="number">
                Requests/s
              </th>
              <th scope="col" class="number">
                p50
              </th>
              <th scope="col" class="number">
                p99
              </th>
              <th scope="col" class="number">
                Errors
              </th>
            </tr>
          </thead>
          <tbody>
            {edges.length === 0 ? (
              <tr>
                <td colSpan={7}>
                  No edge yet: the topology has no load balancer or Service Connect client.
                </td>
              </tr>
            ) : (
              edges.map((edge) => (
                <tr key={edgeKey(edge)} data-edge={edgeKey(edge)}>
                  <th scope="row">
                    {edge.kind === "alb" ? "ALB" : edge.from} → {edge.to}
                  </th>
                  <td>{edge.kind === "alb" ? `load balancer ${edge.from}` : "Service Connect"}</td>
                  <td>{edge.via}</td>
                  <td class="number">{formatRate(edge.requestsPerSecond)}</td>
                  <td class="number">{formatMs(edge.p50Ms)}</td>
                  <td class="number">{formatMs(edge.p99Ms)}</td>
                  <td class={edge.errorRate > 0 ? "number bad" : "number"}>
                    {formatPercent(edge.errorRate)}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Chart
        id="traffic-chart"
        title="Requests per second per edge"
        summary={trafficSummary(traffic)}
        data={chart}
        leftLabel="requests/s"
      />
    </section>
  );
}
