/**
 * Samples what each RUNNING task uses, as the ECS agent samples its containers: memory in
 * whole MiB (truncated, as the agent stores it), CPU in CPU units from the growth of the CPU
 * time counter since the last sample, or since the task started for its first (1024 units =
 * one vCPU busy for the whole interval).
 */
import type { TaskDefinition } from "../../model/types.js";
import type { ServiceTask } from "../task-state.js";
import type { TaskSample } from "./metric-store.js";

/** One task's use in the last sample, for `top` and the dashboard. */
export interface TaskUsageRow {
  readonly service: string;
  readonly taskId: string;
  readonly cpuUnits: number;
  readonly memoryMiB: number;
  readonly reservedCpuUnits: number;
  readonly reservedMemoryMiB: number;
}

/** Reserved CPU units and MiB of a task: the task-level sizes, else the containers' sum. */
export function reservationOf(taskDefinition: TaskDefinition): {
  readonly cpuUnits: number;
  readonly memoryMiB: number;
} {
  const sum = (f: (memoryMiB: number | undefined) => number) =>
    taskDefinition.containers.reduce((n, c) => n + f(c.memoryMiB), 0);
  return {
    // Fargate always sets task-level sizes; 1024 units stands in when a template has none.
    cpuUnits: taskDefinition.cpu ?? 1024,
    memoryMiB: taskDefinition.memoryMiB ?? (sum((m) => m ?? 0) || 2048),
  };
}

const MIB = 1024 * 1024;

export class UsageSampler {
  /** The last CPU counter of each task, by service; tasks gone from a service are dropped. */
  readonly #previous = new Map<string, Map<string, { cpuNanos: number; at: number }>>();
  readonly #now: () => number;

  /** @param now real milliseconds (a task's CPU counter runs in real time). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Samples the RUNNING tasks of one service. */
  sample(
    service: string,
    taskDefinition: TaskDefinition,
    tasks: readonly ServiceTask[],
  ): { rows: TaskUsageRow[]; samples: TaskSample[] } {
    const reserved = reservationOf(taskDefinition);
    const now = this.#now();
    const rows: TaskUsageRow[] = [];
    const previous = this.#previous.get(service) ?? new Map();
    const current = new Map<string, { cpuNanos: number; at: number }>();
    this.#previous.set(service, current);
    for (const task of tasks) {
      const used = task.status === "RUNNING" ? task.usage() : undefined;
      if (!used) continue;
      // The first sample of a task measures from its start.
      const before = previous.get(task.id) ?? { cpuNanos: 0, at: task.startedAt ?? now };
      current.set(task.id, { cpuNanos: used.cpuNanos, at: now });
      if (now <= before.at) continue;
      const busy = Math.max(0, used.cpuNanos - before.cpuNanos) / ((now - before.at) * 1e6);
      rows.push({
        service,
        taskId: task.id,
        cpuUnits: busy * 1024,
        memoryMiB: Math.floor(used.memoryBytes / MIB),
        reservedCpuUnits: reserved.cpuUnits,
        reservedMemoryMiB: reserved.memoryMiB,
      });
    }
    const samples = rows.map((r) => ({
      cpuUnits: r.cpuUnits,
      memoryMiB: r.memoryMiB,
      reservedCpuUnits: r.reservedCpuUnits,
      reservedMemoryMiB: r.reservedMemoryMiB,
    }));
    return { rows, samples };
  }
}
