/**
 * The CloudWatch operations ecs-local serves, GetMetricData and GetMetricStatistics, over the
 * metrics it computes: `AWS/ECS` CPUUtilization and MemoryUtilization per service, Service
 * Connect's metrics per discovery name (and per service), and `AWS/ApplicationELB`
 * RequestCount, RequestCountPerTarget, HealthyHostCount and UnHealthyHostCount per target
 * group. Another metric has no datapoints, as in CloudWatch.
 * See cloudwatch-metrics.ts for how periods and timestamps relate to `--time-scale`.
 */
import { AwsApiError } from "../../errors.js";
import type { AwsApiSource, Statistic } from "./aws-source.js";
import {
  type Datapoint,
  type Dimension,
  periodProblem,
  periodsAskedFor,
  type ResolvedMetric,
  resolveMetric,
  STATISTICS,
  series,
} from "./cloudwatch-metrics.js";
import type { InputReader } from "./input.js";
import { paginate } from "./pagination.js";

type Operation = (source: AwsApiSource, input: InputReader) => unknown;

/** GetMetricStatistics answers at most this many datapoints per statistic. */
const MAX_STATISTICS_DATAPOINTS = 1_440;
/** GetMetricData's default (and largest) page of datapoints. */
const MAX_DATAPOINTS = 100_800;
/** GetMetricData's limit on queries per request. */
const MAX_QUERIES = 500;

function timeWindow(input: InputReader): { start: Date; end: Date } {
  const start = input.requiredTimestamp("StartTime");
  const end = input.requiredTimestamp("EndTime");
  if (start.getTime() >= end.getTime()) {
    throw new AwsApiError(
      "InvalidParameterValueException",
      "The parameter StartTime must be less than the parameter EndTime.",
    );
  }
  return { start, end };
}

function periodOf(input: InputReader): number {
  const period = input.requiredInteger("Period", { min: 1 });
  const problem = periodProblem(period);
  if (problem) throw new AwsApiError("InvalidParameterValueException", problem);
  return period * 1000;
}

function dimensionsOf(metric: InputReader): Dimension[] {
  return (metric.objectList("Dimensions", { max: 30 }) ?? []).map((d) => ({
    name: d.requiredString("Name"),
    value: d.requiredString("Value"),
  }));
}

function checkStatistic(value: string): Statistic {
  if (!(STATISTICS as readonly string[]).includes(value)) {
    throw new AwsApiError(
      "InvalidParameterValueException",
      `The statistic ${value} is not one ecs-local computes: ${STATISTICS.join(", ")} (no percentiles or trimmed means).`,
    );
  }
  return value as Statistic;
}

/** The metric a request names, unless a Unit other than its own filters it out. */
function metricOf(
  source: AwsApiSource,
  metric: InputReader,
  unit: string | undefined,
): ResolvedMetric | undefined {
  const resolved = resolveMetric(
    source.model,
    metric.requiredString("Namespace"),
    metric.requiredString("MetricName"),
    dimensionsOf(metric),
  );
  return resolved && (unit === undefined || unit === resolved.unit) ? resolved : undefined;
}

function seriesOf(
  source: AwsApiSource,
  resolved: ResolvedMetric | undefined,
  statistic: Statistic,
  periodMs: number,
  span: { start: Date; end: Date },
): Datapoint[] {
  if (!resolved) return [];
  return series(source, source.datapoints, {
    metric: resolved.metric,
    statistic,
    periodMs,
    ...span,
  });
}

const getMetricStatistics: Operation = (source, input) => {
  const span = timeWindow(input);
  const periodMs = periodOf(input);
  const unit = input.string("Unit");
  const name = input.requiredString("MetricName");
  const statistics = (input.stringList("Statistics", { max: 5 }) ?? []).map(checkStatistic);
  if (input.has("ExtendedStatistics")) {
    throw new AwsApiError(
      "InvalidParameterValueException",
      "ExtendedStatistics (percentiles) are not computed by ecs-local; ask for Statistics: SampleCount, Average, Sum, Minimum or Maximum.",
    );
  }
  if (statistics.length === 0) {
    throw new AwsApiError(
      "InvalidParameterCombinationException",
      "Must specify either Statistics or ExtendedStatistics.",
    );
  }
  const asked = periodsAskedFor(source, span, periodMs);
  if (asked > MAX_STATISTICS_DATAPOINTS) {
    throw new AwsApiError(
      "InvalidParameterCombinationException",
      `You have requested up to ${asked} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS} (periods are AWS time: the wall-clock range times --time-scale). Increase Period or shorten the range.`,
    );
  }
  const resolved = metricOf(source, input, unit);
  const byTime = new Map<number, Record<string, unknown>>();
  for (const statistic of statistics) {
    for (const point of seriesOf(source, resolved, statistic, periodMs, span)) {
      const datapoint = byTime.get(point.timestamp.getTime()) ?? { Timestamp: point.timestamp };
      datapoint[statistic] = point.value;
      datapoint.Unit = resolved?.unit;
      byTime.set(point.timestamp.getTime(), datapoint);
    }
  }
  return {
    Label: name,
    Datapoints: [...byTime.entries()].sort(([a], [b]) => a - b).map(([, d]) => d),
  };
};

interface QueryResult {
  readonly id: string;
  readonly label: string;
  readonly points: readonly Datapoint[];
}

const getMetricData: Operation = (source, input) => {
  const span = timeWindow(input);
  const queries = input.objectList("MetricDataQueries", { required: true, max: MAX_QUERIES }) ?? [];
  if (queries.length === 0) {
    throw input.invalid(
      "MetricDataQueries",
      [],
      "Member must have length greater than or equal to 1",
    );
  }
  const descending =
    (input.choice("ScanBy", ["TimestampDescending", "TimestampAscending"]) ??
      "TimestampDescending") === "TimestampDescending";
  const maxDatapoints = input.integer("MaxDatapoints", { min: 1, max: MAX_DATAPOINTS });
  input.object("LabelOptions");
  const ids = new Set<string>();
  const results: QueryResult[] = [];
  for (const query of queries) {
    const id = query.requiredString("Id");
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
      throw query.invalid(
        "Id",
        id,
        "Member must start with a lower-case letter and contain only letters, digits and underscores",
      );
    }
    if (ids.has(id)) throw query.invalid("Id", id, "Member must be unique within the request");
    ids.add(id);
    if (query.has("Expression")) {
      throw new AwsApiError(
        "InvalidParameterValueException",
        `The query ${id} has an Expression: ecs-local does not evaluate metric math or Metrics Insights queries; use MetricStat.`,
      );
    }
    const stat = query.object("MetricStat", { required: true }) as InputReader;
    const metric = stat.object("Metric", { required: true }) as InputReader;
    const periodMs = periodOf(stat);
    const statistic = checkStatistic(stat.requiredString("Stat"));
    const resolved = metricOf(source, metric, stat.string("Unit"));
    const points = seriesOf(source, resolved, statistic, periodMs, span);
    if (query.boolean("ReturnData") === false) continue;
    results.push({
      id,
      label: query.string("Label") ?? metric.requiredString("MetricName"),
      points: descending ? [...points].reverse() : points,
    });
  }
  // Pages run over every query's datapoints in turn; a result continued on a later page is PartialData.
  const all = results.flatMap((r, q) => r.points.map((_, i) => ({ q, i })));
  const page = paginate(all, {
    nextToken: input.string("NextToken"),
    maxResults: maxDatapoints,
    defaultSize: MAX_DATAPOINTS,
    invalidTokenCode: "InvalidNextToken",
  });
  const lastOnPage = page.items.at(-1);
  return {
    MetricDataResults: results.map((r, q) => {
      const points = page.items.filter((p) => p.q === q).map((p) => r.points[p.i] as Datapoint);
      const continues =
        page.nextToken !== undefined &&
        lastOnPage !== undefined &&
        (lastOnPage.q < q || (lastOnPage.q === q && lastOnPage.i < r.points.length - 1));
      return {
        Id: r.id,
        Label: r.label,
        Timestamps: points.map((p) => p.timestamp),
        Values: points.map((p) => p.value),
        StatusCode: continues ? "PartialData" : "Complete",
      };
    }),
    Messages: [],
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

export const CLOUDWATCH_OPERATIONS: Readonly<Record<string, Operation>> = {
  GetMetricData: getMetricData,
  GetMetricStatistics: getMetricStatistics,
};
