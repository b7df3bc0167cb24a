/**
 * The dashboard page's state and what it shows, as pure functions of the stream's messages:
 * the state kept between messages, the formatting of numbers, and the data and text summary of
 * each chart. No DOM here, so it is tested with node:test and bundled into the page as is.
 */
import type {
  RunEvent,
  RunStatus,
  TaskUsageView,
  TimelinePoint,
  TimelineView,
  TrafficEdgeView,
  TrafficView,
} from "../api/control-plane-view.js";
import type { StreamMessage } from "./messages.js";

/** How much history the page keeps; older entries are dropped first. */
export const KEEP = {
  /** Traffic snapshots, one a second: five minutes. */
  trafficSamples: 300,
  /** Timeline points per service. */
  timelinePoints: 600,
  events: 500,
  logLines: 1000,
} as const;

export interface TrafficSample {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly edges: readonly TrafficEdgeView[];
}

export type TimelineService = TimelineView["services"][number];

export interface DashboardState {
  readonly status?: RunStatus;
  /** The last usage sample, by task ID. */
  readonly usage: Readonly<Record<string, TaskUsageView>>;
  readonly traffic?: TrafficView;
  readonly trafficHistory: readonly TrafficSample[];
  readonly timeline: readonly TimelineService[];
  readonly events: readonly RunEvent[];
  readonly logs: readonly string[];
}

export const EMPTY_STATE: DashboardState = {
  usage: {},
  trafficHistory: [],
  timeline: [],
  events: [],
  logs: [],
};

const lastOf = <T>(items: readonly T[], count: number): readonly T[] =>
  items.length > count ? items.slice(items.length - count) : items;

/** The state after one message of the stream. */
export function applyMessage(state: DashboardState, message: StreamMessage): DashboardState {
  switch (message.type) {
    case "status":
      return { ...state, status: message.status };
    case "usage":
      return {
        ...state,
        usage: Object.fromEntries(message.usage.map((usage) => [usage.taskId, usage])),
      };
    case "traffic": {
      const sample = { at: Date.parse(message.traffic.at), edges: message.traffic.edges };
      return {
        ...state,
        traffic: message.traffic,
        trafficHistory: lastOf([...state.trafficHistory, sample], KEEP.trafficSamples),
      };
    }
    case "timeline":
      return { ...state, timeline: mergeTimeline(state.timeline, message.timeline, message.reset) };
    case "events":
      return {
        ...state,
        events: lastOf([...(message.reset ? [] : state.events), ...message.events], KEEP.events),
      };
    case "logs":
      return {
        ...state,
        logs: lastOf([...(message.reset ? [] : state.logs), ...message.lines], KEEP.logLines),
      };
  }
}

/** Appends new timeline points per service (or starts over on `reset`), keeping the newest. */
export function mergeTimeline(
  current: readonly TimelineService[],
  incoming: TimelineView,
  reset: boolean,
): TimelineService[] {
  const byName = new Map<string, TimelineService>(
    reset ? [] : current.map((service) => [service.name, service]),
  );
  for (const service of incoming.services) {
    const known = byName.get(service.name);
    const points = lastOf([...(known?.points ?? []), ...service.points], KEEP.timelinePoints);
    byName.set(service.name, { name: service.name, targets: service.targets, points });
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// Formatting ------------------------------------------------------------------------------

/** Requests per second: one decimal below 10, whole numbers above. */
export function formatRate(perSecond: number): string {
  return perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString("en-US");
}

/** A latency: `—` without one, milliseconds up to a second, then seconds. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A share (0..1) as a percentage, one decimal below 10 %. */
export function formatPercent(share: number): string {
  const percent = share * 100;
  return `${percent < 10 && percent > 0 ? percent.toFixed(1) : Math.round(percent)} %`;
}

/** What a task uses against what it reserved, as text and as a share for a meter. */
export interface UsageCell {
  readonly text: string;
  /** used / reserved, 0 when nothing is reserved. */
  readonly share: number;
}

/** CPU and memory of a task against its limits; undefined when it has no sample (not RUNNING). */
export function usageCells(
  usage: TaskUsageView | undefined,
): { readonly cpu: UsageCell; readonly memory: UsageCell } | undefined {
  if (usage === undefined) return undefined;
  const cell = (used: number, reserved: number, unit: string): UsageCell => {
    const share = reserved > 0 ? used / reserved : 0;
    const amount = used < 10 ? used.toFixed(1) : Math.round(used).toString();
    return { text: `${amount} / ${reserved} ${unit} (${formatPercent(share)})`, share };
  };
  return {
    cpu: cell(usage.cpuUnits, usage.reservedCpuUnits, "units"),
    memory: cell(usage.memoryMiB, usage.reservedMemoryMiB, "MiB"),
  };
}

/** An edge as a reader says it: `ALB DeployStack/Alb → api` or `client → api (api.local)`. */
export function edgeLabel(edge: TrafficEdgeView): string {
  return edge.kind === "alb"
    ? `ALB ${edge.from} → ${edge.to}`
    : `${edge.from} → ${edge.to} (${edge.via})`;
}

/** A stable key of an edge across snapshots. */
export function edgeKey(edge: TrafficEdgeView): string {
  return `${edge.kind}|${edge.from}|${edge.to}|${edge.via}`;
}

// Charts ------------------------------------------------------------------------------------

/**
 * A chart's data in uPlot's layout: `x` in seconds since the epoch, then one array per series
 * of the same length (null where a series has no value at that time).
 */
export interface ChartData {
  readonly x: number[];
  readonly series: readonly ChartSeries[];
}

export interface ChartSeries {
  readonly label: string;
  /** The y axis it is drawn against: task counts, or a policy's metric. @default "left" */
  readonly axis?: "left" | "right";
  /** A target: drawn dashed. */
  readonly dashed?: boolean;
  readonly values: (number | null)[];
}

/** Requests per second of every edge seen in the history, one point per snapshot. */
export function trafficChart(history: readonly TrafficSample[]): ChartData {
  const labels = new Map<string, string>();
  for (const sample of history) {
    for (const edge of sample.edges) labels.set(edgeKey(edge), edgeLabel(edge));
  }
  const keys = [...labels.keys()].sort();
  return {
    x: history.map((sample) => sample.at / 1000),
    series: keys.map((key) => ({
      label: labels.get(key) ?? key,
      values: history.map(
        (sample) => sample.edges.find((edge) => edgeKey(edge) === key)?.requestsPerSecond ?? null,
      ),
    })),
  };
}

/** Desired and running tasks of a service, then each policy's metric and its target. */
export function timelineChart(service: TimelineService): ChartData {
  const points = service.points;
  const policyNames = policyNamesOf(service);
  return {
    x: points.map((point) => Date.parse(point.at) / 1000),
    series: [
      // Dashed, so that running tasks stay visible on top of it when they agree.
      { label: "desired tasks", dashed: true, values: points.map((point) => point.desired) },
      { label: "running tasks", values: points.map((point) => point.running) },
      ...policyNames.flatMap((name) => {
        const target = service.targets[name];
        const metric: ChartSeries = {
          label: `${name} metric`,
          axis: "right",
          values: points.map((point) => point.policies[name] ?? null),
        };
        const line: ChartSeries = {
          label: `${name} target`,
          axis: "right",
          dashed: true,
          values: points.map(() => target ?? null),
        };
        return target === undefined ? [metric] : [metric, line];
      }),
    ],
  };
}

function policyNamesOf(service: TimelineService): string[] {
  const names = new Set(Object.keys(service.targets));
  for (const point of service.points)
    for (const name of Object.keys(point.policies)) names.add(name);
  return [...names].sort();
}

/** The text a chart stands for, for screen readers and as its visible caption. */
export function timelineSummary(service: TimelineService): string {
  const last: TimelinePoint | undefined = service.points.at(-1);
  if (last === undefined) return `${service.name}: no sample yet.`;
  const policies = policyNamesOf(service).map((name) => {
    const value = last.policies[name];
    const target = service.targets[name];
    const shown = value === undefined ? "no data" : value.toFixed(1);
    return target === undefined ? `${name} at ${shown}` : `${name} at ${shown} against ${target}`;
  });
  const minutes = (Date.parse(last.at) - Date.parse(service.points[0]?.at ?? last.at)) / 60_000;
  return [
    `${service.name}: ${last.desired} desired, ${last.running} running`,
    ...policies,
    `${service.points.length} samples over ${minutes.toFixed(1)} min.`,
  ].join("; ");
}

/** The text of the traffic chart: the latest rate of each edge. */
export function trafficSummary(traffic: TrafficView | undefined): string {
  if (traffic === undefined || traffic.edges.length === 0) return "No traffic edge yet.";
  const edges = traffic.edges.map(
    (edge) =>
      `${edgeLabel(edge)}: ${formatRate(edge.requestsPerSecond)} requests/s, ${formatPercent(edge.errorRate)} errors`,
  );
  return `Over the last ${traffic.windowSeconds} s: ${edges.join("; ")}.`;
}

/** Log lines of one service (`<service>/<task> | …`), or all with `service` empty. */
export function logsOf(lines: readonly string[], service: string): readonly string[] {
  return service === "" ? lines : lines.filter((line) => line.startsWith(`${service}/`));
}
