/**
 * One edge's recent traffic, for the dashboard: requests per second, p50 and p99 latency and
 * the error rate over the last few seconds. Requests fall into one-second buckets; each
 * bucket keeps at most `SAMPLES_PER_BUCKET` latencies (a uniform sample, so a busy second
 * costs bounded memory and its percentiles stay fair). Pure: times are passed in.
 */

export interface Exchange {
  /** Milliseconds until the response headers; null when there was no response. */
  readonly latencyMs: number | null;
  /** The status the caller got (0 when none). */
  readonly status: number;
}

export interface TrafficSummary {
  readonly requestsPerSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Share of requests answered 5xx or not at all. */
  readonly errorRate: number;
}

const SAMPLES_PER_BUCKET = 2_000;

interface Bucket {
  readonly second: number;
  count: number;
  errors: number;
  /** Latencies seen in the bucket, at most SAMPLES_PER_BUCKET of them. */
  readonly latencies: number[];
  /** How many latencies were offered, for the uniform sample. */
  offered: number;
}

export class TrafficWindow {
  readonly #buckets: Bucket[] = [];
  readonly #keepSeconds: number;
  readonly #random: () => number;

  constructor(keepSeconds = 10, random: () => number = Math.random) {
    this.#keepSeconds = keepSeconds;
    this.#random = random;
  }

  /** One request, counted and with its latency. */
  record(atMs: number, exchange: Exchange): void {
    const failed = exchange.status === 0 || exchange.status >= 500 ? 1 : 0;
    this.count(atMs, 1, failed);
    if (exchange.latencyMs !== null) this.latency(atMs, exchange.latencyMs);
  }

  /** Requests counted elsewhere (counters read from the agents), `errors` of them failed. */
  count(atMs: number, requests: number, errors: number): void {
    const bucket = this.#bucket(atMs);
    bucket.count += requests;
    bucket.errors += errors;
  }

  /** One latency, from a sample of the requests. */
  latency(atMs: number, latencyMs: number): void {
    const bucket = this.#bucket(atMs);
    bucket.offered += 1;
    if (bucket.latencies.length < SAMPLES_PER_BUCKET) {
      bucket.latencies.push(latencyMs);
      return;
    }
    // Reservoir sampling: each latency of the bucket ends up kept with equal chance.
    const slot = Math.floor(this.#random() * bucket.offered);
    if (slot < SAMPLES_PER_BUCKET) bucket.latencies[slot] = latencyMs;
  }

  #bucket(atMs: number): Bucket {
    const second = Math.floor(atMs / 1000);
    const found = this.#buckets.findLast((b) => b.second === second);
    if (found) return found;
    const bucket: Bucket = { second, count: 0, errors: 0, latencies: [], offered: 0 };
    this.#buckets.push(bucket);
    this.#buckets.sort((a, b) => a.second - b.second);
    const newest = this.#buckets.at(-1)?.second ?? second;
    while ((this.#buckets[0]?.second ?? newest) <= newest - this.#keepSeconds) {
      this.#buckets.shift();
    }
    return bucket;
  }

  /** The last `windowSeconds` whole seconds before `nowMs`. */
  summary(nowMs: number, windowSeconds: number): TrafficSummary {
    const current = Math.floor(nowMs / 1000);
    const inWindow = this.#buckets.filter(
      (b) => b.second < current && b.second >= current - windowSeconds,
    );
    const count = inWindow.reduce((n, b) => n + b.count, 0);
    const errors = inWindow.reduce((n, b) => n + b.errors, 0);
    const latencies = inWindow.flatMap((b) => b.latencies).sort((a, b) => a - b);
    return {
      requestsPerSecond: count / windowSeconds,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      errorRate: count === 0 ? 0 : errors / count,
    };
  }
}

/** The nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] ?? null;
}
