/**
 * What a container's processes use right now, summed over its process tree from /proc: the
 * fallback measurement (issue: cgroups, where the machine allows, measure it better).
 */
import { readFileSync } from "node:fs";
import { processTree, readStat } from "./procs.js";

export interface ContainerUsage {
  /** Resident memory of the container's processes, in bytes. */
  readonly memoryBytes: number;
  /** CPU time its processes have used, user + system, in nanoseconds. */
  readonly cpuNanos: number;
  readonly userNanos: number;
  readonly systemNanos: number;
  readonly pids: number;
}

/** Linux reports CPU times in USER_HZ ticks, which is 100 per second on every architecture. */
const NANOS_PER_TICK = 10_000_000;

/** The usage of `rootPid` and its descendants; zero when it is gone. */
export function processTreeUsage(rootPid: number): ContainerUsage {
  let memoryBytes = 0;
  let userTicks = 0;
  let systemTicks = 0;
  const pids = processTree(rootPid);
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    userTicks += stat.utimeTicks;
    systemTicks += stat.stimeTicks;
    memoryBytes += residentBytes(pid);
  }
  return {
    memoryBytes,
    userNanos: userTicks * NANOS_PER_TICK,
    systemNanos: systemTicks * NANOS_PER_TICK,
    cpuNanos: (userTicks + systemTicks) * NANOS_PER_TICK,
    pids: pids.length,
  };
}

/** VmRSS of a process in bytes (0 once it is gone, or for a kernel thread). */
function residentBytes(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** Host CPU time spent since boot, all CPUs, in nanoseconds: Docker's `system_cpu_usage`. */
export function systemCpuNanos(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const ticks = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .reduce((sum, field) => sum + Number(field), 0);
    return ticks * NANOS_PER_TICK;
  } catch {
    return 0;
  }
}
