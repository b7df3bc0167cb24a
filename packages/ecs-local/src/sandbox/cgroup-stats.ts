/**
 * The arithmetic of cgroup files, pure: reading `memory.stat`, `cpu.stat`, `memory.events` and
 * `memory.oom_control`; memory "used" as the ECS agent computes it; CFS quotas from CPU units.
 * The files are read (and written) in cgroup-tree.ts.
 */

/** cgroup v1 (separate hierarchies per controller) or v2 (one unified hierarchy). */
export type CgroupVersion = "v1" | "v2";

/**
 * A flat-keyed cgroup file (`memory.stat`, `cpu.stat`, `memory.events`, `memory.oom_control`):
 * one `key value` pair a line. Lines that are not a key and a whole number are skipped.
 */
export function parseFlatKeyed(text: string): ReadonlyMap<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (match) values.set(match[1] as string, Number(match[2]));
  }
  return values;
}

/**
 * Memory in use as the ECS agent counts it (`getMemUsage` in the agent's `utils_unix.go`):
 * the group's usage without its page cache, which the kernel reclaims before it kills
 * anything. v1: `memory.usage_in_bytes` − `total_cache` (the whole subtree's cache; `cache` is
 * only the group's own pages); v2: `memory.current` − `inactive_file`. When the cache figure
 * is missing or not below the usage, the usage itself, as the agent does.
 */
export function memoryUsedBytes(
  version: CgroupVersion,
  usageBytes: number,
  stat: ReadonlyMap<string, number>,
): number {
  const cache =
    version === "v2" ? stat.get("inactive_file") : (stat.get("total_cache") ?? stat.get("cache"));
  return cache !== undefined && cache < usageBytes ? usageBytes - cache : usageBytes;
}

/** CPU time of a group, in nanoseconds: a counter since the group was made. */
export interface CpuTime {
  readonly totalNanos: number;
  readonly userNanos: number;
  readonly systemNanos: number;
}

/** v2 `cpu.stat`: `usage_usec`, `user_usec`, `system_usec` in microseconds. */
export function cpuTimeV2(cpuStat: ReadonlyMap<string, number>): CpuTime {
  return {
    totalNanos: (cpuStat.get("usage_usec") ?? 0) * 1000,
    userNanos: (cpuStat.get("user_usec") ?? 0) * 1000,
    systemNanos: (cpuStat.get("system_usec") ?? 0) * 1000,
  };
}

/** Linux reports `cpuacct.stat` in USER_HZ ticks, which is 100 per second everywhere. */
const NANOS_PER_TICK = 10_000_000;

/**
 * v1: `cpuacct.usage` (nanoseconds) is the total; the user/system split comes from
 * `cpuacct.usage_user` / `cpuacct.usage_sys` (nanoseconds, since Linux 4.7) when given, else
 * from `cpuacct.stat` (`user`, `system` in ticks).
 */
export function cpuTimeV1(
  usageNanos: number,
  split: { readonly userNanos: number; readonly systemNanos: number } | undefined,
  cpuacctStat: ReadonlyMap<string, number>,
): CpuTime {
  return {
    totalNanos: usageNanos,
    userNanos: split?.userNanos ?? (cpuacctStat.get("user") ?? 0) * NANOS_PER_TICK,
    systemNanos: split?.systemNanos ?? (cpuacctStat.get("system") ?? 0) * NANOS_PER_TICK,
  };
}

/**
 * How many processes of the group the kernel's OOM killer has killed: `oom_kill` of v1's
 * `memory.oom_control` (Linux 4.13+) or of v2's `memory.events`. A v1 group counts only its
 * own processes; a v2 group its subtree's. 0 when the file does not say.
 */
export function oomKills(fileText: string): number {
  return parseFlatKeyed(fileText).get("oom_kill") ?? 0;
}

/** The CFS period ecs-local sets: the kernel's default, 100 ms. */
export const CFS_PERIOD_US = 100_000;
/** The kernel refuses a quota below 1 ms. */
const MIN_CFS_QUOTA_US = 1_000;

/**
 * The CFS quota that gives `cpuUnits` (1024 = one vCPU) of CPU time per `periodUs`:
 * `units / 1024 × period`, rounded, never below the kernel's 1 ms minimum. A task of 256
 * units may run 25 ms of every 100 ms, a quarter of one CPU, as on Fargate; a task of 2048
 * may use two CPUs fully.
 */
export function cfsQuotaUs(cpuUnits: number, periodUs: number = CFS_PERIOD_US): number {
  if (!(cpuUnits > 0) || !(periodUs > 0)) {
    throw new RangeError(
      `CPU units ${cpuUnits} and period ${periodUs} µs must both be positive to make a CFS quota.`,
    );
  }
  return Math.max(MIN_CFS_QUOTA_US, Math.round((cpuUnits / 1024) * periodUs));
}

/** v2 `cpu.max`: `<quota> <period>` in microseconds. */
export function cpuMaxLine(cpuUnits: number, periodUs: number = CFS_PERIOD_US): string {
  return `${cfsQuotaUs(cpuUnits, periodUs)} ${periodUs}`;
}

/** A task definition's MiB in bytes, for `memory.limit_in_bytes` / `memory.max`. */
export function mibToBytes(mib: number): number {
  if (!(mib > 0) || !Number.isFinite(mib)) {
    throw new RangeError(`Memory of ${mib} MiB is not a positive size.`);
  }
  return Math.round(mib * 1024 * 1024);
}

/** The pids of a `cgroup.procs` file (one a line; a process may be listed twice in v1). */
export function parsePids(text: string): number[] {
  const pids = new Set<number>();
  for (const line of text.split("\n")) {
    if (/^\d+$/.test(line.trim())) pids.add(Number(line.trim()));
  }
  return [...pids];
}
