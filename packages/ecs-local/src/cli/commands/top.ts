import { setTimeout as sleep } from "node:timers/promises";
import type { TaskUsageView } from "../../api/control-plane-view.js";
import type { CommandArgs } from "../main.js";
import { callApi, findRun, stateDirFrom } from "../run-client.js";

/**
 * Each RUNNING task's CPU and memory against its task size, refreshed every second on a
 * terminal until Ctrl-C; printed once otherwise (or with `--once`).
 */
export async function run(args: CommandArgs): Promise<void> {
  const state = findRun(stateDirFrom(args.values));
  const live = process.stdout.isTTY === true && !args.values.once;
  for (;;) {
    const usage = await callApi<TaskUsageView[]>(state, "/v1/usage");
    const text = formatUsage(usage);
    process.stdout.write(live ? `\u001b[H\u001b[2J${text}` : text);
    if (!live) return;
    await sleep(1_000);
  }
}

/** One line per task: service, task, CPU units and %, memory MiB and %, with bars. */
export function formatUsage(rows: readonly TaskUsageView[]): string {
  const lines = [
    `${"SERVICE".padEnd(20)} ${"TASK".padEnd(12)} ${"CPU (units)".padStart(16)}  ${"MEMORY (MiB)".padStart(18)}`,
  ];
  for (const row of [...rows].sort((a, b) => a.service.localeCompare(b.service))) {
    const cpu = percent(row.cpuUnits, row.reservedCpuUnits);
    const memory = percent(row.memoryMiB, row.reservedMemoryMiB);
    lines.push(
      `${row.service.padEnd(20)} ${row.taskId.slice(0, 12).padEnd(12)} ` +
        `${`${row.cpuUnits.toFixed(0)}/${row.reservedCpuUnits}`.padStart(10)} ${cpu.padStart(5)}  ` +
        `${`${row.memoryMiB}/${row.reservedMemoryMiB}`.padStart(12)} ${memory.padStart(5)}`,
    );
  }
  if (rows.length === 0) lines.push("(no task has been sampled yet)");
  return `${lines.join("\n")}\n`;
}

function percent(used: number, reserved: number): string {
  return reserved > 0 ? `${((100 * used) / reserved).toFixed(0)}%` : "-";
}
