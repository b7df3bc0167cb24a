/**
 * Finding and signalling the processes of a sandbox through /proc. Membership is "shares the
 * holder's network namespace", so grandchildren a container forks (npm → node, sh → curl) are
 * found too, not only the processes we spawned.
 */
import { readdir, readFile, readlink } from "node:fs/promises";

/** The `net:[inode]` identity of a process's network namespace, or undefined if it is gone. */
export async function netnsOf(pid: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/${pid}/ns/net`);
  } catch {
    return undefined; // exited, a zombie, or not ours to read
  }
}

/** Pids of all live processes in the given network namespace. */
export async function namespaceMembers(netns: string): Promise<number[]> {
  const entries = await readdir("/proc");
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  const ns = await Promise.all(pids.map((pid) => netnsOf(pid)));
  return pids.filter((_, i) => ns[i] === netns);
}

/** True while the pid exists and is not a zombie (a zombie holds no namespace and no port). */
export async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The state follows the parenthesised command name, which may itself contain ')'.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Sends a signal, ignoring processes that already exited. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone
  }
}
