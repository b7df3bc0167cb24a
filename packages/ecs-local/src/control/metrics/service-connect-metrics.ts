/**
 * Service Connect's CloudWatch metrics (§4.3 of the reference) for Prometheus. The counts come
 * from the agents' own counters (`show stat`), read once a second, so they cost the data path
 * nothing per request; response times come from the agents' request records, which each agent
 * writes for one request in ten.
 *
 * A target's inbound connections are counted where they pass: its agent's ingress listener
 * for the ALB's (and for Service Connect's when the run has no network), and each client
 * agent's connections straight to the target's app on the run network, which bypass it.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { serviceConnectSeries } from "../../model/service-connect-series.js";
import type { Model, Service, ServiceConnectMetricName } from "../../model/types.js";
import { BLACKHOLE_ADDRESS } from "../../proxy/agent-config.js";
import { type StatRow, counter as statCounter } from "../../proxy/agent-stats.js";
import { isNetworkAddress } from "../../proxy/endpoints-file.js";
import type { ServiceConnectRequest } from "../../proxy/request-log.js";
import { perStatusClass, STATUS_CLASSES, type StatusClass } from "./status-classes.js";
import type { TrafficWindow } from "./traffic-window.js";

const RESPONSE_MS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** An open-connection reading older than this belongs to a task that is gone. */
const STALE_MS = 3_000;

export interface ServiceConnectMetricsOptions {
  readonly registry: Registry;
  readonly model: Model;
  /** The dashboard's window of an edge: client service → server service, via a name. */
  readonly edge: (client: string, server: string, discoveryName: string) => TrafficWindow;
  /** Cloud Map instances of a discovery name now. */
  readonly instances: (discoveryName: string) => number;
  /** The dashboard's window, in seconds, for RequestCountPerTarget. */
  readonly windowSeconds: number;
  /**
   * Each datapoint for CloudWatch's store, by series (`serviceConnectSeries`): a count (to be
   * converted to AWS time) or a value (a latency, a gauge).
   */
  readonly observe?: (series: string, value: number, kind: "count" | "value") => void;
}

export class ServiceConnectMetrics {
  readonly #serverOf: ReadonlyMap<string, Service>;
  readonly #options: ServiceConnectMetricsOptions;
  /** The last reading of every growing counter, to add only what it grew by. */
  readonly #last = new Map<string, number>();
  /** Open inbound connections per task and discovery name, with when they were read. */
  readonly #open = new Map<string, { labels: Record<string, string>; open: number; at: number }>();
  readonly #requests: Counter<string>;
  readonly #bytes: Counter<string>;
  readonly #newConnections: Counter<string>;
  readonly #codes: Record<StatusClass, Counter<string>>;
  readonly #responseTime: Histogram<string>;
  readonly #targetBytes: Counter<string>;

  constructor(options: ServiceConnectMetricsOptions) {
    this.#options = options;
    const { registry, model } = options;
    this.#serverOf = new Map(
      model.services.flatMap((s) =>
        (s.serviceConnect?.services ?? []).map((entry) => [entry.discoveryName, s] as const),
      ),
    );
    const registers = [registry];
    const inbound = ["DiscoveryName", "ServiceName", "ClusterName"];
    const target = ["TargetDiscoveryName", "ServiceName", "ClusterName"];
    const counter = (name: string, help: string, labelNames: string[]) =>
      new Counter({
        name: `aws_ecs_${name}`,
        help: `Service Connect: ${help}`,
        labelNames,
        registers,
      });
    this.#requests = counter("RequestCount", "inbound requests", inbound);
    this.#bytes = counter("ProcessedBytes", "inbound bytes, both ways", inbound);
    this.#newConnections = counter("NewConnectionCount", "inbound connections accepted", inbound);
    this.#codes = perStatusClass((c) =>
      counter(`HTTPCode_Target_${c}_Count`, `answers ${c} from the target tasks' apps`, target),
    );
    this.#targetBytes = counter("TargetProcessedBytes", "bytes, both ways", target);
    this.#responseTime = new Histogram({
      name: "aws_ecs_TargetResponseTime",
      help: "Service Connect: milliseconds from the request reaching the target to its response headers, over a sample of one request in ten",
      labelNames: target,
      buckets: RESPONSE_MS_BUCKETS,
      registers,
    });
    const open = this.#open;
    new Gauge({
      name: "aws_ecs_ActiveConnectionCount",
      help: "Service Connect: inbound connections open now",
      labelNames: inbound,
      registers,
      collect() {
        this.reset();
        const sums = new Map<string, { labels: Record<string, string>; open: number }>();
        const now = Date.now();
        for (const [key, entry] of open) {
          if (now - entry.at > STALE_MS) {
            open.delete(key);
            continue;
          }
          const id = JSON.stringify(entry.labels);
          const sum = sums.get(id) ?? { labels: entry.labels, open: 0 };
          sum.open += entry.open;
          sums.set(id, sum);
        }
        for (const sum of sums.values()) this.set(sum.labels, sum.open);
      },
    });
    const windows = () => this.#windows();
    const { instances, windowSeconds } = options;
    new Gauge({
      name: "aws_ecs_RequestCountPerTarget",
      help: `Service Connect: requests per second over the last ${windowSeconds} s, per instance of the discovery name`,
      labelNames: target,
      registers,
      collect() {
        this.reset();
        const now = Date.now();
        for (const { labels, window } of windows()) {
          const perInstance = Math.max(1, instances(labels.TargetDiscoveryName ?? ""));
          this.set(labels, window.summary(now, windowSeconds).requestsPerSecond / perInstance);
        }
      },
    });
  }

  /** One reading of a task's agent: its egress backends, their endpoints, its inbound listeners. */
  agentStats(taskId: string, service: Service, rows: readonly StatRow[], atMs: number): void {
    for (const row of rows) {
      const proxy = row.pxname ?? "";
      const server = row.svname ?? "";
      const key = `${taskId}\n${proxy}\n${server}`;
      if (proxy.startsWith("in-") && server === "FRONTEND") {
        const port = proxy.slice("in-".length);
        const entry = service.serviceConnect?.services.find((s) => s.portName === port);
        if (!entry) continue;
        const labels = this.#inbound(entry.discoveryName);
        const open = statCounter(row, "scur");
        const accepted = this.#grew(`${key}\nstot`, statCounter(row, "stot"));
        this.#connections(key, labels, accepted, open, atMs);
      } else if (proxy.startsWith("sc-")) {
        const discoveryName = proxy.slice("sc-".length);
        if (server === "BACKEND") this.#backend(key, service, discoveryName, row, atMs);
        else if (server !== "FRONTEND") {
          this.#endpoint(key, service, discoveryName, row);
          if (reachesAppDirectly(row)) {
            // HTTP keeps connections (in use or idle) across requests; TCP has one per session.
            const open = Math.max(
              statCounter(row, "scur"),
              statCounter(row, "used_conn_cur") + statCounter(row, "idle_conn_cur"),
            );
            const opened = this.#grew(`${key}\nconnect`, statCounter(row, "connect"));
            this.#connections(key, this.#inbound(discoveryName), opened, open, atMs);
          }
        }
      }
    }
  }

  /** Inbound connections of a discovery name, as one reader (listener or endpoint) saw them. */
  #connections(
    key: string,
    labels: Record<string, string>,
    opened: number,
    open: number,
    atMs: number,
  ): void {
    this.#open.set(key, { labels, open, at: atMs });
    this.#newConnections.inc(labels, opened);
    this.#store("NewConnectionCount", labels, opened, "count");
    this.#store("ActiveConnectionCount", labels, open, "value");
  }

  /** A sampled request record: its response time. */
  sampledRequest(clientService: string, request: ServiceConnectRequest, atMs: number): void {
    if (request.responseMs === null) return;
    const target = this.#target(clientService, request.discoveryName);
    this.#responseTime.observe(target, request.responseMs);
    this.#store("TargetResponseTime", target, request.responseMs, "value");
    this.#window(clientService, request.discoveryName).latency(atMs, request.responseMs);
  }

  /** A client's backend for a discovery name: requests, bytes and failures, all its endpoints. */
  #backend(key: string, client: Service, discoveryName: string, row: StatRow, atMs: number) {
    const requests = this.#grew(`${key}\nreq_tot`, statCounter(row, "req_tot"));
    const bytes =
      this.#grew(`${key}\nbin`, statCounter(row, "bin")) +
      this.#grew(`${key}\nbout`, statCounter(row, "bout"));
    const failed = this.#grew(`${key}\nhrsp_5xx`, statCounter(row, "hrsp_5xx"));
    // A client that never called this name is no edge (every task has every alias).
    if (requests === 0 && bytes === 0) return;
    const inbound = this.#inbound(discoveryName);
    const target = this.#target(client.name, discoveryName);
    this.#requests.inc(inbound, requests);
    this.#bytes.inc(inbound, bytes);
    this.#targetBytes.inc(target, bytes);
    this.#store("RequestCount", inbound, requests, "count");
    this.#store("ProcessedBytes", inbound, bytes, "count");
    this.#store("TargetProcessedBytes", target, bytes, "count");
    this.#window(client.name, discoveryName).count(atMs, requests, failed);
  }

  /** One endpoint (a target task) of a client's backend: the answers its app gave. */
  #endpoint(key: string, client: Service, discoveryName: string, row: StatRow) {
    const labels = this.#target(client.name, discoveryName);
    for (const c of STATUS_CLASSES) {
      const column = `hrsp_${c.toLowerCase()}`;
      const answers = this.#grew(`${key}\n${column}`, statCounter(row, column));
      this.#codes[c].inc(labels, answers);
      this.#store(`HTTPCode_Target_${c}_Count`, labels, answers, "count");
    }
  }

  /**
   * A datapoint for CloudWatch, in both of the metric's series: the discovery name alone, and
   * with the service and cluster. A count of nothing is no datapoint.
   */
  #store(
    name: ServiceConnectMetricName,
    labels: Record<string, string>,
    value: number,
    kind: "count" | "value",
  ): void {
    const observe = this.#options.observe;
    if (!observe || (kind === "count" && value === 0)) return;
    const dimension = labels.DiscoveryName === undefined ? "TargetDiscoveryName" : "DiscoveryName";
    const discovery = { dimension, value: labels[dimension] ?? "" } as const;
    observe(serviceConnectSeries(name, discovery), value, kind);
    const service = {
      serviceName: labels.ServiceName ?? "",
      clusterName: labels.ClusterName ?? "",
    };
    observe(serviceConnectSeries(name, discovery, service), value, kind);
  }

  /** What a counter grew by since its last reading (all of it if it started again). */
  #grew(key: string, value: number): number {
    const last = this.#last.get(key) ?? 0;
    this.#last.set(key, value);
    return value >= last ? value - last : value;
  }

  #inbound(discoveryName: string): Record<string, string> {
    const server = this.#serverOf.get(discoveryName);
    return {
      DiscoveryName: discoveryName,
      ServiceName: server?.name ?? "",
      ClusterName: server?.clusterName ?? "",
    };
  }

  #target(clientService: string, discoveryName: string): Record<string, string> {
    return {
      TargetDiscoveryName: discoveryName,
      ServiceName: clientService,
      ClusterName: this.#serverOf.get(discoveryName)?.clusterName ?? "",
    };
  }

  readonly #edges = new Map<string, { labels: Record<string, string>; window: TrafficWindow }>();

  #window(clientService: string, discoveryName: string): TrafficWindow {
    const key = `${clientService}\n${discoveryName}`;
    let entry = this.#edges.get(key);
    if (!entry) {
      const server = this.#serverOf.get(discoveryName)?.name ?? discoveryName;
      entry = {
        labels: this.#target(clientService, discoveryName),
        window: this.#options.edge(clientService, server, discoveryName),
      };
      this.#edges.set(key, entry);
    }
    return entry.window;
  }

  #windows() {
    return [...this.#edges.values()];
  }
}

/**
 * Whether an endpoint's connections go straight to its app (an address on the run network),
 * not through its agent's ingress socket, which counts them itself, nor to the blackhole of a
 * blocked name, where no connection is ever made.
 */
function reachesAppDirectly(row: StatRow): boolean {
  const address = row.addr ?? "";
  return isNetworkAddress(address) && !address.startsWith(`${BLACKHOLE_ADDRESS}:`);
}
