/**
 * Groups in a cgroup hierarchy, by a path relative to its root (`ecs-local/run-…/<task>`):
 * made, limited, read, emptied and removed. v1 keeps a group in each controller's hierarchy
 * (memory, cpu, cpuacct), v2 in the one unified hierarchy, with the controllers enabled on the
 * way down. Reads are synchronous (cgroupfs answers from kernel memory); removal waits for the
 * group's processes to be gone.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CgroupError } from "../errors.js";
import {
  CFS_PERIOD_US,
  type CgroupVersion,
  type CpuTime,
  cfsQuotaUs,
  cpuMaxLine,
  cpuTimeV1,
  cpuTimeV2,
  memoryUsedBytes,
  oomKills,
  parseFlatKeyed,
  parsePids,
} from "./cgroup-stats.js";
import type { CgroupSupport } from "./cgroups.js";
import { signal } from "./procs.js";

/** Where a version's controllers live. */
export interface CgroupHierarchy {
  readonly version: CgroupVersion;
  /** The folder of each controller's hierarchy that groups are made under (v2: one folder). */
  readonly memory: string;
  readonly cpu: string;
  readonly cpuacct: string;
  /**
   * v2: the controllers enabled in `cgroup.subtree_control` of every ancestor of a group, so
   * the group has their files. @default ["memory", "cpu"]
   */
  readonly controllers: readonly string[];
}

/** The hierarchy `detectCgroups()` chose, or undefined when it chose none. */
export function hierarchyOf(support: CgroupSupport): CgroupHierarchy | undefined {
  if (support.mode === "v2" && support.v2Root !== undefined) {
    const root = support.v2Root;
    return { version: "v2", memory: root, cpu: root, cpuacct: root, controllers: V2_CONTROLLERS };
  }
  const mounts = support.v1Mounts;
  if (support.mode === "v1" && mounts?.memory && mounts.cpu && mounts.cpuacct) {
    return {
      version: "v1",
      memory: mounts.memory,
      cpu: mounts.cpu,
      cpuacct: mounts.cpuacct,
      controllers: [],
    };
  }
  return undefined;
}

const V2_CONTROLLERS = ["memory", "cpu"] as const;

/** The distinct hierarchy folders a group lives in (v1 may mount cpu and cpuacct together). */
export function rootsOf(h: CgroupHierarchy): string[] {
  return [...new Set([h.memory, h.cpu, h.cpuacct])];
}

/** The `cgroup.procs` files a process must be written to, to be in `group` everywhere. */
export function procsFiles(h: CgroupHierarchy, group: string): string[] {
  return rootsOf(h).map((root) => join(root, group, "cgroup.procs"));
}

/** True when the group exists in any of its hierarchies (a leftover, say). */
export function groupExists(h: CgroupHierarchy, group: string): boolean {
  return rootsOf(h).some((root) => existsSync(join(root, group)));
}

/**
 * Makes `group` and any missing ancestor in every hierarchy; an existing one is kept. On v2 the
 * controllers are enabled in each ancestor's `cgroup.subtree_control` first, from the root down.
 */
export function makeGroup(h: CgroupHierarchy, group: string): void {
  for (const root of rootsOf(h)) {
    // Another run may remove an empty `ecs-local/` between our mkdirs: walk again.
    for (let attempt = 1; !makePath(h, root, group); attempt++) {
      if (attempt === 3)
        throw new CgroupError(
          `cannot make the cgroup ${join(root, group)}: a folder above it is missing, or keeps being removed by another run.`,
        );
    }
  }
}

/** Makes each missing folder from `root` down to `group`; false if a parent vanished meanwhile. */
function makePath(h: CgroupHierarchy, root: string, group: string): boolean {
  let dir = root;
  for (const part of group.split("/").filter(Boolean)) {
    if (h.version === "v2") enableControllers(dir, h.controllers);
    dir = join(dir, part);
    try {
      mkdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue;
      if (code === "ENOENT") return false;
      throw cgroupError(`cannot make the cgroup ${dir}`, error);
    }
    // Older kernels let a v1 memory group count only its own pages unless use_hierarchy
    // is set; a task's group must count its containers'. Set while it has no children.
    if (
      h.version === "v1" &&
      root === h.memory &&
      readText(join(dir, "memory.use_hierarchy"))?.trim() === "0"
    ) {
      writeControl(dir, "memory.use_hierarchy", "1");
    }
  }
  return true;
}

/** Writes `+memory +cpu` to a v2 group's `cgroup.subtree_control` unless already there. */
export function enableControllers(dir: string, controllers: readonly string[]): void {
  if (controllers.length === 0) return;
  const file = join(dir, "cgroup.subtree_control");
  const enabled = readText(file)?.trim().split(/\s+/) ?? [];
  const missing = controllers.filter((c) => !enabled.includes(c));
  if (missing.length === 0) return;
  try {
    writeFileSync(file, missing.map((c) => `+${c}`).join(" "));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EBUSY"
        ? `it holds processes (pids ${readPids(dir).join(", ") || "none listed"}), and a v2 group with processes cannot pass controllers to child groups`
        : code === "ENOENT"
          ? `its cgroup.controllers lacks ${missing.join(" or ")}`
          : "the kernel refused";
    throw cgroupError(
      `cannot enable ${missing.join(", ")} for the groups under ${dir}: ${why}`,
      error,
    );
  }
}

/**
 * A hard memory limit on the group, without swap (Fargate tasks have none): v1
 * `memory.limit_in_bytes`, then `memory.memsw.limit_in_bytes` where swap is accounted; v2
 * `memory.max` and `memory.swap.max` 0.
 */
export function limitMemory(h: CgroupHierarchy, group: string, bytes: number): void {
  const dir = join(h.memory, group);
  if (h.version === "v2") {
    writeControl(dir, "memory.max", String(bytes));
    if (existsSync(join(dir, "memory.swap.max"))) writeControl(dir, "memory.swap.max", "0");
    return;
  }
  writeControl(dir, "memory.limit_in_bytes", String(bytes));
  // Memory + swap may not be below memory alone, so it is set second.
  if (existsSync(join(dir, "memory.memsw.limit_in_bytes"))) {
    writeControl(dir, "memory.memsw.limit_in_bytes", String(bytes));
  }
}

/** A CFS quota of `cpuUnits` (1024 = one vCPU) per 100 ms period: v1 `cpu.cfs_*`, v2 `cpu.max`. */
export function limitCpu(h: CgroupHierarchy, group: string, cpuUnits: number): void {
  const dir = join(h.cpu, group);
  if (h.version === "v2") {
    writeControl(dir, "cpu.max", cpuMaxLine(cpuUnits));
    return;
  }
  writeControl(dir, "cpu.cfs_period_us", String(CFS_PERIOD_US));
  writeControl(dir, "cpu.cfs_quota_us", String(cfsQuotaUs(cpuUnits)));
}

/** What a group (with its subtree) uses now; undefined once it is gone. */
export interface GroupUsage {
  /** Memory in use without page cache, as the ECS agent counts it. */
  readonly memoryBytes: number;
  readonly cpu: CpuTime;
  /** Processes in the group itself (not its child groups). */
  readonly pids: number;
}

/** Reads a group's memory and CPU figures. */
export function readUsage(h: CgroupHierarchy, group: string): GroupUsage | undefined {
  const memDir = join(h.memory, group);
  const usage = readNumber(
    join(memDir, h.version === "v2" ? "memory.current" : "memory.usage_in_bytes"),
  );
  const cpu = readCpu(h, group);
  if (usage === undefined || cpu === undefined) return undefined;
  const stat = parseFlatKeyed(readText(join(memDir, "memory.stat")) ?? "");
  return {
    memoryBytes: memoryUsedBytes(h.version, usage, stat),
    cpu,
    pids: readPids(join(h.memory, group)).length,
  };
}

function readCpu(h: CgroupHierarchy, group: string): CpuTime | undefined {
  if (h.version === "v2") {
    const text = readText(join(h.cpu, group, "cpu.stat"));
    return text === undefined ? undefined : cpuTimeV2(parseFlatKeyed(text));
  }
  const dir = join(h.cpuacct, group);
  const total = readNumber(join(dir, "cpuacct.usage"));
  if (total === undefined) return undefined;
  const userNanos = readNumber(join(dir, "cpuacct.usage_user"));
  const systemNanos = readNumber(join(dir, "cpuacct.usage_sys"));
  const split =
    userNanos !== undefined && systemNanos !== undefined ? { userNanos, systemNanos } : undefined;
  return cpuTimeV1(total, split, parseFlatKeyed(readText(join(dir, "cpuacct.stat")) ?? ""));
}

/** How many of the group's processes the OOM killer has killed (0 if it cannot be read). */
export function readOomKills(h: CgroupHierarchy, group: string): number {
  const file = h.version === "v2" ? "memory.events" : "memory.oom_control";
  return oomKills(readText(join(h.memory, group, file)) ?? "");
}

/** Every live pid in the group and its child groups, in any of its hierarchies. */
export function groupPids(h: CgroupHierarchy, group: string): number[] {
  const pids = new Set<number>();
  const visit = (dir: string): void => {
    for (const pid of readPids(dir)) pids.add(pid);
    for (const child of childGroups(dir)) visit(join(dir, child));
  };
  for (const root of rootsOf(h)) visit(join(root, group));
  return [...pids];
}

/** The names of a group's child groups (its subfolders). */
export function childGroups(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

export interface RemoveGroupOptions {
  /** How long its processes may take to die after SIGKILL. @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * Removes a group and its subtree from every hierarchy: anything still in it is killed
 * (SIGKILL; the task's stop has already asked nicely), then the folders go, deepest first,
 * once the kernel has let the processes go. A group that does not exist is fine.
 */
export async function removeGroup(
  h: CgroupHierarchy,
  group: string,
  options: RemoveGroupOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const pids = groupPids(h, group);
    for (const pid of pids) signal(pid, "SIGKILL");
    const busy = rootsOf(h).flatMap((root) => removeTree(join(root, group)));
    if (busy.length === 0) return;
    if (Date.now() > deadline) {
      throw new CgroupError(
        `Cannot remove the cgroup ${busy.join(", ")}: processes ${groupPids(h, group).join(", ") || "(none listed)"} are still in it after SIGKILL, perhaps stuck in the kernel (D state). ` +
          `Remove it with \`rmdir\` once they are gone.`,
      );
    }
    await sleep(20);
  }
}

/** rmdir of a folder tree, deepest first; returns the folders that are still busy. */
function removeTree(dir: string): string[] {
  const busy = childGroups(dir).flatMap((child) => removeTree(join(dir, child)));
  if (busy.length > 0) return [...busy, dir];
  try {
    rmdirSync(dir);
    return [];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    if (code === "EBUSY" || code === "ENOTEMPTY") return [dir];
    throw cgroupError(`cannot remove the cgroup ${dir}`, error);
  }
}

/**
 * Removes a group only if it is empty (no processes, no child groups): for folders that other
 * runs may share, such as `ecs-local/` itself. Never kills anything.
 */
export function removeIfEmpty(h: CgroupHierarchy, group: string): void {
  for (const root of rootsOf(h)) {
    try {
      rmdirSync(join(root, group));
    } catch {
      // still in use (EBUSY, ENOTEMPTY), or already gone
    }
  }
}

/** Pids listed in a group folder's `cgroup.procs`. */
export function readPids(dir: string): number[] {
  return parsePids(readText(join(dir, "cgroup.procs")) ?? "");
}

/** Whether `dir` is a folder (a group made earlier). */
export function isGroup(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function writeControl(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (error) {
    throw cgroupError(`cannot write ${value} to ${join(dir, file)}`, error);
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined; // the group is gone, or the kernel lacks the file
  }
}

function readNumber(file: string): number | undefined {
  const text = readText(file)?.trim();
  return text === undefined || !/^\d+$/.test(text) ? undefined : Number(text);
}

function cgroupError(what: string, cause: unknown): CgroupError {
  const code = (cause as NodeJS.ErrnoException).code;
  const hint =
    code === "EACCES" || code === "EPERM"
      ? " ecs-local needs root for cgroup v1, or a delegated v2 subtree; ECS_LOCAL_CGROUPS=off measures from /proc instead."
      : "";
  return new CgroupError(`${what} (${code ?? (cause as Error).message}).${hint}`, { cause });
}
