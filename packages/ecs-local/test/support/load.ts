/**
 * Load for the zero-failure tests: autocannon run inside a task's namespaces (what a client
 * container would send through Service Connect) or on the host (through the ALB), and the
 * processes of a task, to kill one.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { NSENTER_FLAGS } from "../../src/sandbox/host-tools.js";
import { runProcess } from "../../src/sandbox/run-process.js";
import { REPO_ROOT } from "./ecs-local-run.js";

const AUTOCANNON = join(REPO_ROOT, "node_modules/autocannon/autocannon.js");

export interface LoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

/** Every request that did not come back 2xx. */
export function failed(result: LoadResult): number {
  return result.non2xx + result.errors + result.timeouts;
}

/**
 * autocannon against `url` for `seconds` with `connections` at once, inside the task whose
 * holder is `holderPid` (or on the host without one).
 */
export async function load(options: {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly holderPid?: number;
}): Promise<LoadResult> {
  const command = [
    process.execPath,
    AUTOCANNON,
    "-c",
    String(options.connections),
    "-d",
    String(options.seconds),
    "-j",
    options.url,
  ];
  const argv = options.holderPid
    ? ["nsenter", "--target", String(options.holderPid), ...NSENTER_FLAGS, "--", ...command]
    : command;
  const result = await runProcess(argv, { timeoutMs: (options.seconds + 60) * 1000 });
  const json = result.stdout.slice(result.stdout.indexOf("{"));
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error(`autocannon printed no report (exit ${result.exitCode}): ${result.stderr}`);
  }
  const num = (key: string) => Number(report[key] ?? 0);
  return {
    requests: Number((report.requests as { total?: number } | undefined)?.total ?? 0),
    ok: num("2xx"),
    non2xx: num("non2xx"),
    errors: num("errors"),
    timeouts: num("timeouts"),
  };
}

/** Processes in the network namespace of the task whose holder is `holderPid`, but the holder. */
export function taskProcesses(holderPid: number): { pid: number; cmdline: string }[] {
  const netns = readlinkSync(`/proc/${holderPid}/ns/net`);
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === holderPid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== netns) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      found.push({ pid, cmdline });
    } catch {
      // gone while we looked
    }
  }
  return found;
}
