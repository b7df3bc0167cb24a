/**
 * Processes an earlier run left behind. If `up` itself was killed outright (SIGKILL, a crash
 * of the machine's terminal), its task holders exit with it, but containers and sidecars may
 * live on. They are recognisable: each runs from, or names, a path under the state folder.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** Live processes (other than this one) whose command line or working folder is under `dir`. */
export function processesUnder(dir: string): number[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, "utf8"))) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const cwd = `${readlinkSync(`/proc/${entry}/cwd`)}/`;
      if (cmdline.includes(prefix) || cwd.startsWith(prefix)) found.push(Number(entry));
    } catch {
      // ended while we looked, or not ours to read
    }
  }
  return found;
}

/** Kills what an earlier run left under `dir`; returns how many processes it found. */
export function killLeftovers(dir: string): number {
  const pids = processesUnder(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.length;
}
