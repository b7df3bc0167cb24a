/**
 * Counts the run's traffic as CloudWatch would publish it, for Prometheus (`/metrics`) and
 * the dashboard: Service Connect's (`service-connect-metrics.ts`), the ALB's from the load
 * balancer, ECS's utilization from the sampler.
 * Names keep CloudWatch's, prefixed with the namespace (`aws_ecs_RequestCount`,
 * `aws_applicationelb_RequestCount`), and dimensions are labels.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { TrafficEdgeView, TrafficView } from "../../api/control-plane-view.js";
import { albDimensions } from "../../model/arns.js";
import type { Model, Service } from "../../model/types.js";
import type { StatRow } from "../../proxy/agent-stats.js";
import type { ServiceConnectRequest } from "../../proxy/request-log.js";
import { ServiceConnectMetrics } from "./service-connect-metrics.js";
import { perStatusClass, statusClass } from "./status-classes.js";
import { type Exchange, type TrafficSummary, TrafficWindow } from "./traffic-window.js";
import type { TaskUsageRow } from "./usage-sampler.js";

/** What the recorder reads when Prometheus asks. */
export interface TrafficSources {
  /** Each RUNNING task's latest usage. */
  usage(): readonly TaskUsageRow[];
  /** Cloud Map instances of a discovery name now. */
  instances(discoveryName: string): number;
  /** Service Connect's datapoints for CloudWatch's store (see ServiceConnectMetricsOptions). */
  observe?(series: string, value: number, kind: "count" | "value"): void;
  /** Healthy and unhealthy targets of each target group, by its logical ID. */
  targetHealth(): ReadonlyMap<string, { readonly healthy: number; readonly unhealthy: number }>;
}

/** The dashboard's rates and percentiles cover this many whole seconds. */
const WINDOW_SECONDS = 5;

const ALB_SECONDS_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class TrafficRecorder {
  readonly registry = new Registry();
  readonly #model: Model;
  readonly #edges = new Map<
    string,
    { edge: Omit<TrafficEdgeView, keyof TrafficSummary>; window: TrafficWindow }
  >();
  readonly #serviceConnect: ServiceConnectMetrics;
  readonly #alb;
  /** Per load balancer and target group: the metrics' labels and the edge (made once). */
  readonly #albRoutes = new Map<
    string,
    { labels: { LoadBalancer: string; TargetGroup: string }; window: TrafficWindow }
  >();

  constructor(model: Model, sources: TrafficSources) {
    this.#model = model;
    const registers = [this.registry];
    const alb = ["LoadBalancer", "TargetGroup"] as const;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter({ name, help, labelNames, registers });
    const byClass = <L extends string>(prefix: string, what: string, labels: readonly L[]) =>
      perStatusClass((c) =>
        counter(
          `${prefix}HTTPCode_Target_${c}_Count`,
          `${what} answers ${c} from the target`,
          labels,
        ),
      );
    this.#serviceConnect = new ServiceConnectMetrics({
      registry: this.registry,
      model,
      edge: (client, server, via) => this.#edge("service-connect", client, server, via),
      instances: sources.instances,
      windowSeconds: WINDOW_SECONDS,
      ...(sources.observe ? { observe: sources.observe } : {}),
    });
    this.#alb = {
      requests: counter("aws_applicationelb_RequestCount", "ALB: requests", alb),
      codes: byClass("aws_applicationelb_", "ALB:", alb),
      responseTime: new Histogram({
        name: "aws_applicationelb_TargetResponseTime",
        help: "ALB: seconds from the request leaving the load balancer to the target's response",
        labelNames: alb,
        buckets: ALB_SECONDS_BUCKETS,
        registers,
      }),
    };
    const hosts = (name: string, pick: "healthy" | "unhealthy") =>
      new Gauge({
        name,
        help: `ALB: ${pick} targets per target group`,
        labelNames: alb,
        registers,
        collect: () => {
          const gauge = this.registry.getSingleMetric(name) as Gauge;
          for (const [groupId, counts] of sources.targetHealth()) {
            gauge.set(this.#albLabels(groupId), counts[pick]);
          }
        },
      });
    hosts("aws_applicationelb_HealthyHostCount", "healthy");
    hosts("aws_applicationelb_UnHealthyHostCount", "unhealthy");
    const utilization = (name: string, used: keyof TaskUsageRow, reserved: keyof TaskUsageRow) =>
      new Gauge({
        name,
        help: `ECS: ${name.replace("aws_ecs_", "")} of each service's RUNNING tasks, percent`,
        labelNames: ["ServiceName", "ClusterName"],
        registers,
        collect: () => {
          const gauge = this.registry.getSingleMetric(name) as Gauge;
          gauge.reset();
          for (const service of model.services) {
            const rows = sources.usage().filter((r) => r.service === service.name);
            const total = (key: keyof TaskUsageRow) => rows.reduce((n, r) => n + Number(r[key]), 0);
            if (rows.length === 0 || total(reserved) === 0) continue;
            gauge.set(
              { ServiceName: service.name, ClusterName: service.clusterName },
              (100 * total(used)) / total(reserved),
            );
          }
        },
      });
    utilization("aws_ecs_CPUUtilization", "cpuUnits", "reservedCpuUnits");
    utilization("aws_ecs_MemoryUtilization", "memoryMiB", "reservedMemoryMiB");
  }

  /** A sampled request record of a task of `clientService`: its response time. */
  serviceConnect(clientService: string, request: ServiceConnectRequest, atMs: number): void {
    this.#serviceConnect.sampledRequest(clientService, request, atMs);
  }

  /** A reading of a task's agent counters: Service Connect's counts and connections. */
  agentStats(taskId: string, service: Service, rows: readonly StatRow[], atMs: number): void {
    this.#serviceConnect.agentStats(taskId, service, rows, atMs);
  }

  /** An exchange of the load balancer `loadBalancerId` with a target of `targetGroupId`. */
  loadBalancer(
    loadBalancerId: string,
    targetGroupId: string,
    exchange: Exchange & { readonly fromTarget: boolean },
    atMs: number,
  ): void {
    const { labels, window } = this.#albRoute(loadBalancerId, targetGroupId);
    this.#alb.requests.inc(labels);
    const kind = exchange.fromTarget ? statusClass(exchange.status) : undefined;
    if (kind) this.#alb.codes[kind].inc(labels);
    if (exchange.latencyMs !== null)
      this.#alb.responseTime.observe(labels, exchange.latencyMs / 1000);
    window.record(atMs, exchange);
  }

  /** What `loadBalancer` needs for each exchange, looked up in the model once per route. */
  #albRoute(loadBalancerId: string, targetGroupId: string) {
    const key = `${loadBalancerId}\n${targetGroupId}`;
    let route = this.#albRoutes.get(key);
    if (!route) {
      const lb = this.#model.loadBalancers.find((l) => l.origin.logicalId === loadBalancerId);
      const group = this.#model.targetGroups.find((g) => g.origin.logicalId === targetGroupId);
      const service = this.#model.services.find((s) =>
        s.loadBalancers.some((a) => a.targetGroupId === targetGroupId),
      );
      const name = (path: string | undefined, fallback: string) =>
        path?.replace(/\/Resource$/, "") ?? fallback;
      const window = this.#edge(
        "alb",
        name(lb?.origin.constructPath, loadBalancerId),
        service?.name ?? targetGroupId,
        name(group?.origin.constructPath, targetGroupId),
      );
      route = { labels: this.#albLabels(targetGroupId), window };
      this.#albRoutes.set(key, route);
    }
    return route;
  }

  /** Every edge with traffic so far, its rates over the last few whole seconds. */
  view(nowMs: number): TrafficView {
    return {
      at: new Date(nowMs).toISOString(),
      windowSeconds: WINDOW_SECONDS,
      edges: [...this.#edges.values()].map(({ edge, window }) => ({
        ...edge,
        ...window.summary(nowMs, WINDOW_SECONDS),
      })),
    };
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  #albLabels(targetGroupId: string): { LoadBalancer: string; TargetGroup: string } {
    const { loadBalancer, targetGroup } = albDimensions(this.#model, targetGroupId);
    return { LoadBalancer: loadBalancer ?? "", TargetGroup: targetGroup ?? targetGroupId };
  }

  #edge(kind: TrafficEdgeView["kind"], from: string, to: string, via: string): TrafficWindow {
    const key = `${kind}\n${from}\n${to}\n${via}`;
    let entry = this.#edges.get(key);
    if (!entry) {
      entry = { edge: { kind, from, to, via }, window: new TrafficWindow() };
      this.#edges.set(key, entry);
    }
    return entry.window;
  }
}
