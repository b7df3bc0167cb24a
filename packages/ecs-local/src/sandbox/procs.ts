/**
 * The one place ecs-local reads /proc: which processes exist, whether one still runs, which
 * share a task's network namespace, which belong to a run's folder, and a process tree. Every
 * read tolerates a process ending while we look (it is then simply not listed).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** What `/proc/<pid>/stat` says of a process. */
export interface ProcessStat {
  readonly pid: number;
  readonly ppid: number;
  /** R, S, D, Z, T, X… */
  readonly state: string;
  /** CPU time in clock ticks (USER_HZ, 100 on Linux), user and system. */
  readonly utimeTicks: number;
  readonly stimeTicks: number;
}

/** Every pid in /proc right now. */
export function listPids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** The process's stat line, or undefined once it is gone. */
export function readStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold ')' or spaces: split after the last.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    pid,
    state: fields[0] ?? "?",
    ppid: Number(fields[1]),
    utimeTicks: Number(fields[11]),
    stimeTicks: Number(fields[12]),
  };
}

/**
 * True while the pid exists and is not a zombie: a zombie has exited, holds no namespace and
 * no port, and only waits to be reaped. The one liveness check of ecs-local.
 */
export function isRunning(pid: number): boolean {
  const state = readStat(pid)?.state;
  return state !== undefined && state !== "Z" && state !== "X";
}

/** The `net:[inode]` identity of a process's network namespace, or undefined if it is gone. */
export function netnsOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined; // exited, a zombie, or not ours to read
  }
}

/** Pids of all processes in the given network namespace (a task's, by its holder). */
export function namespaceMembers(netns: string): number[] {
  return listPids().filter((pid) => netnsOf(pid) === netns);
}

/** `rootPid` and every live descendant of it. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of listPids()) {
    const stat = readStat(pid);
    if (!stat || stat.state === "Z") continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(pid);
    children.set(stat.ppid, siblings);
  }
  if (!isRunning(rootPid)) return [];
  const tree: number[] = [];
  const queue = [rootPid];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * Live processes (other than this one) whose command line or working folder is under `dir`:
 * what a run of that state folder started (containers run from its image folders, agents
 * from its run folder).
 */
export function processesUnder(dir: string): number[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return listPids().filter((pid) => {
    if (pid === process.pid || !isRunning(pid)) return false;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const cwd = `${readlinkSync(`/proc/${pid}/cwd`)}/`;
      return cmdline.includes(prefix) || cwd.startsWith(prefix);
    } catch {
      return false; // ended while we looked, or not ours to read
    }
  });
}

/** Sends a signal, ignoring processes that already exited. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone
  }
}

/** Kills what an earlier run of `dir` left behind; returns how many processes it found. */
export function killProcessesUnder(dir: string): number {
  const pids = processesUnder(dir);
  for (const pid of pids) signal(pid, "SIGKILL");
  return pids.length;
}
