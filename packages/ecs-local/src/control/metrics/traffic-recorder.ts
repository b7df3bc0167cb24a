/**
 * Counts the run's traffic as CloudWatch would publish it, for Prometheus (`/metrics`) and
 * the dashboard: Service Connect's request metrics (§4.3 of the reference) from the agents'
 * request records, the ALB's from the load balancer, ECS's utilization from the sampler.
 * Names keep CloudWatch's, prefixed with the namespace (`aws_ecs_RequestCount`,
 * `aws_applicationelb_RequestCount`), and dimensions are labels.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { loadBalancerDimension, targetGroupDimension } from "../../api/aws/arns.js";
import type { TrafficEdgeView, TrafficView } from "../../api/control-plane-view.js";
import type { Model, Service } from "../../model/types.js";
import type { ServiceConnectRequest } from "../../proxy/request-log.js";
import { type Exchange, TrafficWindow } from "./traffic-window.js";
import type { TaskUsageRow } from "./usage-sampler.js";

/** What the recorder reads when Prometheus asks. */
export interface TrafficSources {
  /** Each RUNNING task's latest usage. */
  usage(): readonly TaskUsageRow[];
  /** Cloud Map instances of a discovery name now. */
  instances(discoveryName: string): number;
  /** Healthy and unhealthy targets of each target group, by its logical ID. */
  targetHealth(): ReadonlyMap<string, { readonly healthy: number; readonly unhealthy: number }>;
}

/** The dashboard's rates and percentiles cover this many whole seconds. */
const WINDOW_SECONDS = 5;

const SERVICE_CONNECT_MS_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const ALB_SECONDS_BUCKETS = SERVICE_CONNECT_MS_BUCKETS.map((ms) => ms / 1000);

type StatusClass = "2XX" | "3XX" | "4XX" | "5XX";

function statusClass(status: number): StatusClass | undefined {
  const hundreds = Math.floor(status / 100);
  return hundreds >= 2 && hundreds <= 5 ? (`${hundreds}XX` as StatusClass) : undefined;
}

export class TrafficRecorder {
  readonly registry = new Registry();
  readonly #model: Model;
  readonly #edges = new Map<
    string,
    { edge: Omit<TrafficEdgeView, keyof Summary>; window: TrafficWindow }
  >();
  readonly #serverOf: ReadonlyMap<string, Service>;
  readonly #scEdges = new Map<string, ServiceConnectEdge>();
  readonly #sc;
  readonly #alb;

  constructor(model: Model, sources: TrafficSources) {
    this.#model = model;
    this.#serverOf = new Map(
      model.services.flatMap((s) =>
        (s.serviceConnect?.services ?? []).map((entry) => [entry.discoveryName, s] as const),
      ),
    );
    const registers = [this.registry];
    const inbound = ["DiscoveryName", "ServiceName", "ClusterName"] as const;
    const target = ["TargetDiscoveryName", "ServiceName", "ClusterName"] as const;
    const alb = ["LoadBalancer", "TargetGroup"] as const;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter({ name, help, labelNames, registers });
    const byClass = <L extends string>(prefix: string, what: string, labels: readonly L[]) =>
      Object.fromEntries(
        (["2XX", "3XX", "4XX", "5XX"] as const).map((c) => [
          c,
          counter(
            `${prefix}HTTPCode_Target_${c}_Count`,
            `${what} answers ${c} from the target`,
            labels,
          ),
        ]),
      ) as Record<StatusClass, Counter<L>>;
    this.#sc = {
      requests: counter("aws_ecs_RequestCount", "Service Connect: inbound requests", inbound),
      bytes: counter("aws_ecs_ProcessedBytes", "Service Connect: inbound bytes", inbound),
      codes: byClass("aws_ecs_", "Service Connect:", target),
      responseTime: new Histogram({
        name: "aws_ecs_TargetResponseTime",
        help: "Service Connect: milliseconds from the request reaching the target to its response",
        labelNames: target,
        buckets: SERVICE_CONNECT_MS_BUCKETS,
        registers,
      }),
      targetBytes: counter("aws_ecs_TargetProcessedBytes", "Service Connect: bytes", target),
    };
    new Gauge({
      name: "aws_ecs_RequestCountPerTarget",
      help: `Service Connect: requests per second over the last ${WINDOW_SECONDS} s, per instance of the discovery name`,
      labelNames: target,
      registers,
      collect: () => {
        const gauge = this.registry.getSingleMetric("aws_ecs_RequestCountPerTarget") as Gauge;
        gauge.reset();
        const now = Date.now();
        for (const { edge, window } of this.#edges.values()) {
          if (edge.kind !== "service-connect") continue;
          const instances = Math.max(1, sources.instances(edge.via));
          const server = this.#serverOf.get(edge.via);
          gauge.set(
            {
              TargetDiscoveryName: edge.via,
              ServiceName: edge.from,
              ClusterName: server?.clusterName ?? "",
            },
            window.summary(now, WINDOW_SECONDS).requestsPerSecond / instances,
          );
        }
      },
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

  /** A request a task of `clientService` sent through Service Connect, answered at `atMs`. */
  serviceConnect(clientService: string, request: ServiceConnectRequest, atMs: number): void {
    const edge = this.#serviceConnectEdge(clientService, request.discoveryName);
    const bytes = request.requestBytes + request.responseBytes;
    // Inbound metrics count what reached a target task's agent; an answer the client's agent
    // made itself (no endpoint) never did.
    if (request.fromTarget || request.responseMs !== null) {
      edge.requests.inc();
      edge.bytes.inc(bytes);
    }
    const kind = request.fromTarget ? statusClass(request.status) : undefined;
    if (kind) edge.codes[kind].inc();
    if (request.responseMs !== null) edge.responseTime.observe(request.responseMs);
    edge.targetBytes.inc(bytes);
    edge.window.record(atMs, { latencyMs: request.responseMs, status: request.status });
  }

  /**
   * The metrics' children for one client service and discovery name, made once: labelling a
   * metric per request would hash the labels every time, on the control plane's one thread.
   */
  #serviceConnectEdge(clientService: string, discoveryName: string): ServiceConnectEdge {
    const key = `${clientService}\n${discoveryName}`;
    const known = this.#scEdges.get(key);
    if (known) return known;
    const server = this.#serverOf.get(discoveryName);
    const cluster = server?.clusterName ?? "";
    const inbound = {
      DiscoveryName: discoveryName,
      ServiceName: server?.name ?? "",
      ClusterName: cluster,
    };
    const target = {
      TargetDiscoveryName: discoveryName,
      ServiceName: clientService,
      ClusterName: cluster,
    };
    const edge = {
      requests: this.#sc.requests.labels(inbound),
      bytes: this.#sc.bytes.labels(inbound),
      codes: {
        "2XX": this.#sc.codes["2XX"].labels(target),
        "3XX": this.#sc.codes["3XX"].labels(target),
        "4XX": this.#sc.codes["4XX"].labels(target),
        "5XX": this.#sc.codes["5XX"].labels(target),
      },
      responseTime: this.#sc.responseTime.labels(target),
      targetBytes: this.#sc.targetBytes.labels(target),
      window: this.#edge(
        "service-connect",
        clientService,
        server?.name ?? discoveryName,
        discoveryName,
      ),
    };
    this.#scEdges.set(key, edge);
    return edge;
  }

  /** An exchange of the load balancer `loadBalancerId` with a target of `targetGroupId`. */
  loadBalancer(
    loadBalancerId: string,
    targetGroupId: string,
    exchange: Exchange & { readonly fromTarget: boolean },
    atMs: number,
  ): void {
    const labels = this.#albLabels(targetGroupId);
    this.#alb.requests.inc(labels);
    const kind = exchange.fromTarget ? statusClass(exchange.status) : undefined;
    if (kind) this.#alb.codes[kind].inc(labels);
    if (exchange.latencyMs !== null)
      this.#alb.responseTime.observe(labels, exchange.latencyMs / 1000);
    const lb = this.#model.loadBalancers.find((l) => l.origin.logicalId === loadBalancerId);
    const group = this.#model.targetGroups.find((g) => g.origin.logicalId === targetGroupId);
    const service = this.#model.services.find((s) =>
      s.loadBalancers.some((a) => a.targetGroupId === targetGroupId),
    );
    const name = (path: string | undefined, fallback: string) =>
      path?.replace(/\/Resource$/, "") ?? fallback;
    this.#edge(
      "alb",
      name(lb?.origin.constructPath, loadBalancerId),
      service?.name ?? targetGroupId,
      name(group?.origin.constructPath, targetGroupId),
    ).record(atMs, exchange);
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
    const stack = this.#model.stackName;
    const group = this.#model.targetGroups.find((g) => g.origin.logicalId === targetGroupId);
    const lb = this.#model.loadBalancers.find((l) =>
      l.listeners.some(
        (listener) =>
          listener.defaultTargetGroupId === targetGroupId ||
          listener.rules.some((rule) => rule.targetGroupId === targetGroupId),
      ),
    );
    return {
      LoadBalancer: lb ? loadBalancerDimension(stack, lb.origin.logicalId) : "",
      TargetGroup: group ? targetGroupDimension(stack, group) : targetGroupId,
    };
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

type Summary = ReturnType<TrafficWindow["summary"]>;

/** One client service's metrics toward one discovery name, labels applied. */
interface ServiceConnectEdge {
  readonly requests: { inc(value?: number): void };
  readonly bytes: { inc(value?: number): void };
  readonly codes: Record<StatusClass, { inc(value?: number): void }>;
  readonly responseTime: { observe(value: number): void };
  readonly targetBytes: { inc(value?: number): void };
  readonly window: TrafficWindow;
}
