/**
 * The metrics of a run, kept for the run: ECS service CPU and memory utilization and ALB
 * request counts, collected in 20-second bins of AWS time (the finest period a metric has) and
 * read back as one datapoint per period of any multiple of that. Pure data: the sampler feeds
 * it, the autoscaler and the API read it. Times are AWS milliseconds since the run started.
 *
 * Utilization over a period is 100 × Σ used / Σ reserved over every sample of every RUNNING
 * task in it (§1.2: per-task use summed and divided by per-task reservation summed); a period
 * with no RUNNING task has no datapoint, and a period without requests no request metric (as
 * the ALB publishes them). Request counts are converted to AWS time: a count
 * seen in a real second at `--time-scale` 10 stands for ten seconds of AWS time. A target
 * group's healthy and unhealthy target counts (HealthyHostCount, UnHealthyHostCount) are
 * sampled with its requests and have a datapoint in every sampled period.
 */
import type { EmulatedMetric, MetricAlarm } from "../../model/types.js";

/** The finest period: high-resolution ECS metrics are published every 20 s. */
export const BIN_MS = 20_000;

export interface TaskSample {
  /** CPU units in use (1024 = one vCPU busy). */
  readonly cpuUnits: number;
  readonly memoryMiB: number;
  readonly reservedCpuUnits: number;
  readonly reservedMemoryMiB: number;
}

interface UtilizationBin {
  usedCpu: number;
  reservedCpu: number;
  usedMemory: number;
  reservedMemory: number;
  samples: number;
  /** Per-sample service utilization, for Minimum and Maximum. */
  minCpu: number;
  maxCpu: number;
  minMemory: number;
  maxMemory: number;
  /** Σ running tasks over samples, for SampleCount. */
  taskSamples: number;
}

interface RequestBin {
  /** In AWS time: real count × time scale. */
  requests: number;
  samples: number;
  healthy: HostCounts;
  unhealthy: HostCounts;
}

/** Observations of one series in a bin, for every statistic. */
interface ObservedBin {
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** A target count over a bin's samples: Σ, min and max, for the statistics. */
interface HostCounts {
  sum: number;
  min: number;
  max: number;
}

export type Statistic = MetricAlarm["statistic"];

export class MetricStore {
  readonly #utilization = new Map<string, Map<number, UtilizationBin>>();
  readonly #requests = new Map<string, Map<number, RequestBin>>();
  readonly #observed = new Map<string, Map<number, ObservedBin>>();

  /**
   * One observation of a series (`serviceConnectSeries`) at `at`: a count already converted
   * to AWS time, or a gauge's or a latency's value.
   */
  observe(series: string, at: number, value: number): void {
    const bin = this.#bin(this.#observed, series, at, () => ({
      sum: 0,
      count: 0,
      min: Number.POSITIVE_INFINITY,
      max: Number.NEGATIVE_INFINITY,
    }));
    bin.sum += value;
    bin.count += 1;
    bin.min = Math.min(bin.min, value);
    bin.max = Math.max(bin.max, value);
  }

  /** One sample of a service's RUNNING tasks at `at`. */
  addServiceSample(serviceId: string, at: number, tasks: readonly TaskSample[]): void {
    if (tasks.length === 0) return;
    const sum = (f: (t: TaskSample) => number) => tasks.reduce((n, t) => n + f(t), 0);
    const used = { cpu: sum((t) => t.cpuUnits), memory: sum((t) => t.memoryMiB) };
    const reserved = {
      cpu: sum((t) => t.reservedCpuUnits),
      memory: sum((t) => t.reservedMemoryMiB),
    };
    const cpu = reserved.cpu > 0 ? (100 * used.cpu) / reserved.cpu : 0;
    const memory = reserved.memory > 0 ? (100 * used.memory) / reserved.memory : 0;
    const bin = this.#bin(this.#utilization, serviceId, at, () => ({
      usedCpu: 0,
      reservedCpu: 0,
      usedMemory: 0,
      reservedMemory: 0,
      samples: 0,
      minCpu: Number.POSITIVE_INFINITY,
      maxCpu: 0,
      minMemory: Number.POSITIVE_INFINITY,
      maxMemory: 0,
      taskSamples: 0,
    }));
    bin.usedCpu += used.cpu;
    bin.reservedCpu += reserved.cpu;
    bin.usedMemory += used.memory;
    bin.reservedMemory += reserved.memory;
    bin.samples++;
    bin.taskSamples += tasks.length;
    bin.minCpu = Math.min(bin.minCpu, cpu);
    bin.maxCpu = Math.max(bin.maxCpu, cpu);
    bin.minMemory = Math.min(bin.minMemory, memory);
    bin.maxMemory = Math.max(bin.maxMemory, memory);
  }

  /**
   * Requests a target group's targets received (already in AWS time), and how many of its
   * registered targets pass their health checks and how many fail them (targets still in
   * their first check count as neither, as on the ALB).
   */
  addTargetGroupSample(
    targetGroupId: string,
    at: number,
    sample: { readonly requests: number; readonly healthy: number; readonly unhealthy: number },
  ): void {
    const counts = (): HostCounts => ({
      sum: 0,
      min: Number.POSITIVE_INFINITY,
      max: 0,
    });
    const bin = this.#bin(this.#requests, targetGroupId, at, () => ({
      requests: 0,
      samples: 0,
      healthy: counts(),
      unhealthy: counts(),
    }));
    bin.requests += sample.requests;
    bin.samples++;
    for (const [into, value] of [
      [bin.healthy, sample.healthy],
      [bin.unhealthy, sample.unhealthy],
    ] as const) {
      into.sum += value;
      into.min = Math.min(into.min, value);
      into.max = Math.max(into.max, value);
    }
  }

  /**
   * The last `count` complete periods before `now`, oldest first; `undefined` for a period
   * without data. `periodMs` is a multiple of {@link BIN_MS}.
   */
  datapoints(
    metric: EmulatedMetric,
    statistic: Statistic,
    periodMs: number,
    count: number,
    now: number,
  ): (number | undefined)[] {
    const binsPerPeriod = Math.max(1, Math.round(periodMs / BIN_MS));
    const lastEnd = Math.floor(now / periodMs) * periodMs;
    const out: (number | undefined)[] = [];
    for (let end = lastEnd - (count - 1) * periodMs; end <= lastEnd; end += periodMs) {
      const start = end - periodMs;
      if (start < 0) {
        out.push(undefined);
        continue;
      }
      const first = start / BIN_MS;
      const indexes = Array.from({ length: binsPerPeriod }, (_, i) => first + i);
      out.push(this.#value(metric, statistic, indexes));
    }
    return out;
  }

  #value(metric: EmulatedMetric, statistic: Statistic, indexes: number[]): number | undefined {
    if ("series" in metric) {
      const bins = this.#binsAt(this.#observed, metric.series, indexes);
      if (bins.length === 0) return undefined;
      const sum = bins.reduce((n, b) => n + b.sum, 0);
      const count = bins.reduce((n, b) => n + b.count, 0);
      switch (statistic) {
        case "Sum":
          return sum;
        case "SampleCount":
          return count;
        case "Average":
          return sum / count;
        case "Minimum":
          return Math.min(...bins.map((b) => b.min));
        case "Maximum":
          return Math.max(...bins.map((b) => b.max));
      }
    }
    if (metric.namespace === "AWS/ECS") {
      const bins = this.#binsAt(this.#utilization, metric.serviceId, indexes);
      if (bins.length === 0) return undefined;
      const isCpu = metric.name === "CPUUtilization";
      const add = (f: (b: UtilizationBin) => number) => bins.reduce((n, b) => n + f(b), 0);
      const used = add((b) => (isCpu ? b.usedCpu : b.usedMemory));
      const reserved = add((b) => (isCpu ? b.reservedCpu : b.reservedMemory));
      const average = reserved > 0 ? (100 * used) / reserved : 0;
      const samples = add((b) => b.samples);
      const meanTasks = add((b) => b.taskSamples) / samples;
      switch (statistic) {
        case "Average":
          return average;
        case "Minimum":
          return Math.min(...bins.map((b) => (isCpu ? b.minCpu : b.minMemory)));
        case "Maximum":
          return Math.max(...bins.map((b) => (isCpu ? b.maxCpu : b.maxMemory)));
        case "SampleCount":
          return meanTasks;
        case "Sum":
          return average * meanTasks;
      }
    }
    const bins = this.#binsAt(this.#requests, metric.targetGroupId, indexes);
    if (bins.length === 0) return undefined;
    const samples = bins.reduce((n, b) => n + b.samples, 0);
    if (metric.name === "HealthyHostCount" || metric.name === "UnHealthyHostCount") {
      const counts = bins.map((b) =>
        metric.name === "HealthyHostCount" ? b.healthy : b.unhealthy,
      );
      const sum = counts.reduce((n, c) => n + c.sum, 0);
      switch (statistic) {
        case "Average":
          return sum / samples;
        case "Minimum":
          return Math.min(...counts.map((c) => c.min));
        case "Maximum":
          return Math.max(...counts.map((c) => c.max));
        case "SampleCount":
          return samples;
        case "Sum":
          return sum;
      }
    }
    const requests = bins.reduce((n, b) => n + b.requests, 0);
    // The ALB publishes request metrics only for periods that had requests.
    if (requests === 0) return undefined;
    if (metric.name === "RequestCount") {
      // Each request is a sample of 1, so Sum and SampleCount are the count and Average,
      // Minimum and Maximum are 1, as the ALB documents for RequestCount.
      return statistic === "Sum" || statistic === "SampleCount" ? requests : 1;
    }
    const healthy = bins.reduce((n, b) => n + b.healthy.sum, 0) / samples;
    // RequestCountPerTarget: the group's requests over its healthy targets (Sum is the
    // per-target average, as ELB publishes it).
    return healthy > 0 ? requests / healthy : requests;
  }

  #bin<T>(store: Map<string, Map<number, T>>, key: string, at: number, make: () => T): T {
    const bins = store.get(key) ?? new Map<number, T>();
    store.set(key, bins);
    const index = Math.floor(at / BIN_MS);
    let bin = bins.get(index);
    if (!bin) {
      bin = make();
      bins.set(index, bin);
    }
    return bin;
  }

  #binsAt<T>(store: Map<string, Map<number, T>>, key: string, indexes: number[]): T[] {
    const bins = store.get(key);
    if (!bins) return [];
    return indexes.flatMap((i) => {
      const bin = bins.get(i);
      return bin === undefined ? [] : [bin];
    });
  }
}
