/**
 * A task's resources as ECS accounts for them: what its containers and its Service Connect
 * agent use (memory without page cache, CPU nanoseconds), and the task definition's limits.
 *
 * With cgroups (see cgroups.ts for when), one group per run, per task and per container:
 *
 *     <hierarchy>/ecs-local/run-<hash of the run folder>/<task id>/<container name>
 *                                                     /<task id>/ecs-service-connect
 *
 * The task group carries the task-level limits (`memory`, `cpu`) and its figures cover every
 * container and the Service Connect agent, as the ECS agent's do; a container group carries the container's
 * own hard `memory`. Without cgroups, usage is summed over the process trees from /proc and
 * nothing is limited.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CgroupError } from "../errors.js";
import { mibToBytes } from "./cgroup-stats.js";
import {
  type CgroupHierarchy,
  childGroups,
  enableControllers,
  groupExists,
  groupPids,
  hierarchyOf,
  isGroup,
  limitCpu,
  limitMemory,
  makeGroup,
  procsFiles,
  readOomKills,
  readPids,
  readUsage,
  removeGroup,
  removeIfEmpty,
  rootsOf,
} from "./cgroup-tree.js";
import { type CgroupMode, type CgroupSupport, detectCgroups } from "./cgroups.js";
import { type ContainerUsage, processTreeUsage } from "./process-usage.js";

/** The folder under each hierarchy that every run's groups live in. */
export const CGROUP_PARENT = "ecs-local";
/** The Service Connect agent's group in its task: the name of ECS's agent container. */
export const AGENT_GROUP = "ecs-service-connect";

/** How this process measures and limits its tasks. */
export interface ResourceAccounting {
  readonly mode: CgroupMode;
  /** One line for `ps`: `cgroup v1 (limits enforced)`, `/proc sums (no limits)`. */
  readonly label: string;
  /** Why there are no cgroups, for `up` to say once; undefined when there are. */
  readonly notice: string | undefined;
  readonly hierarchy: CgroupHierarchy | undefined;
}

let current: ResourceAccounting | undefined;

/**
 * The accounting of this process, decided once: the hierarchy `detectCgroups()` chooses, made
 * ready (v2: controllers enabled for child groups), else /proc sums with the reason.
 */
export function resourceAccounting(): ResourceAccounting {
  current ??= accountingFor(detectCgroups());
  return current;
}

/** The accounting for a detected support; a v2 subtree that cannot be used falls back. */
export function accountingFor(support: CgroupSupport): ResourceAccounting {
  const hierarchy = hierarchyOf(support);
  if (!hierarchy) return procAccounting(support.summary);
  try {
    if (hierarchy.version === "v2") prepareV2Root(hierarchy);
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).replace(/\.$/, "");
    return procAccounting(
      `no cgroups: ${why}; usage comes from /proc sums and limits are not enforced`,
    );
  }
  return {
    mode: hierarchy.version,
    label: `cgroup ${hierarchy.version} (limits enforced)`,
    notice: undefined,
    hierarchy,
  };
}

function procAccounting(notice: string): ResourceAccounting {
  return { mode: "none", label: "/proc sums (no limits)", notice, hierarchy: undefined };
}

/** Where this process moves itself in a delegated v2 subtree (see {@link prepareV2Root}). */
export const V2_SELF_GROUP = "ecs-local-up";

/**
 * A v2 root passes the memory and cpu controllers to its child groups only while it holds no
 * process itself (the hierarchy's own root excepted). In a delegated subtree that is usually
 * this process's own group: as systemd's delegation rules ask, it moves itself into a leaf
 * group first. Any other process there makes the subtree unusable; the error says so.
 */
function prepareV2Root(h: CgroupHierarchy): void {
  const root = h.memory;
  try {
    enableControllers(root, h.controllers);
    return;
  } catch (error) {
    const busy = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === "EBUSY";
    const pids = readPids(root);
    if (!busy || !pids.includes(process.pid) || pids.length > 1) throw error;
  }
  makeGroup({ ...h, controllers: [] }, V2_SELF_GROUP);
  for (const file of procsFiles(h, V2_SELF_GROUP)) {
    try {
      writeSelf(file);
    } catch (cause) {
      throw new CgroupError(`cannot move ecs-local into ${file}`, { cause });
    }
  }
  enableControllers(root, h.controllers);
}

function writeSelf(file: string): void {
  writeFileSync(file, String(process.pid));
}

/** A task definition's limits: task-level memory (MiB) and CPU units (1024 = one vCPU). */
export interface TaskLimits {
  readonly memoryMiB?: number;
  readonly cpuUnits?: number;
  /**
   * Apply the CPU quota when the group is made (Fargate's behaviour), rather than once the
   * task is ready (`limitCpu`), which lets it start at full speed. @default false
   */
  readonly cpuQuotaFromStart?: boolean;
}

/** What a task's resources are: placement, usage, OOM kills; released when the task stops. */
export interface TaskResources {
  /**
   * Makes the group of a container (or of the Service Connect agent, {@link AGENT_GROUP}) with its own hard
   * memory limit, and returns the `cgroup.procs` files its processes must start in (see
   * `placedInCgroups`). None without cgroups.
   */
  /** Applies the task's CPU quota, if it has one and it is not applied yet. */
  limitCpu(): void;
  enter(name: string, limits?: { readonly memoryMiB?: number }): readonly string[];
  /** The whole task's usage: every container and the agent. `rootPids` serve /proc sums. */
  usage(rootPids: readonly number[]): { memoryBytes: number; cpuNanos: number } | undefined;
  /** One container's usage; `rootPid` serves /proc sums. */
  containerUsage(name: string, rootPid: number): ContainerUsage | undefined;
  /** True once the kernel's OOM killer has killed a process of that container. */
  oomKilled(name: string): boolean;
  /** Removes the task's groups (their processes are killed if any are left). Idempotent. */
  release(): Promise<void>;
}

/** A run's tasks' resources; one per run folder. */
export interface RunResources {
  readonly accounting: ResourceAccounting;
  /** Settles once what an earlier, killed run of the folder left in its groups is removed. */
  readonly ready: Promise<void>;
  /** Makes a task's group with its limits. */
  openTask(taskId: string, limits: TaskLimits): Promise<TaskResources>;
}

/** The run's group (relative to each hierarchy): `ecs-local/run-<12 hex of the run folder>`. */
export function runGroup(runDir: string): string {
  const hash = createHash("sha256").update(resolve(runDir)).digest("hex").slice(0, 12);
  return `${CGROUP_PARENT}/run-${hash}`;
}

/** The folders of the run's groups that exist now, in every hierarchy (for checks and tests). */
export function runGroupDirs(runDir: string, h: CgroupHierarchy): string[] {
  return rootsOf(h)
    .map((root) => join(root, runGroup(runDir)))
    .filter(isGroup);
}

export interface RunResourcesOptions {
  readonly runDir: string;
  /** @default resourceAccounting() */
  readonly accounting?: ResourceAccounting;
  /** Told how many processes a killed earlier run of this folder left in its groups. */
  readonly onLeftovers?: (processes: number) => void;
}

/**
 * The resources of a run's tasks. With cgroups, the groups an earlier run of the same folder
 * left (its control plane was killed outright) are emptied and removed before the first task
 * gets its group.
 */
export function runResources(options: RunResourcesOptions): RunResources {
  const accounting = options.accounting ?? resourceAccounting();
  const h = accounting.hierarchy;
  if (!h) {
    return {
      accounting,
      ready: Promise.resolve(),
      openTask: async () => new ProcTaskResources(),
    };
  }
  return new RunCgroups(h, accounting, runGroup(options.runDir), options.onLeftovers);
}

/** The run's group: task groups come and go; the run's goes with its last task. */
class RunCgroups implements RunResources {
  readonly accounting: ResourceAccounting;
  readonly #h: CgroupHierarchy;
  readonly #group: string;
  readonly #live = new Set<string>();
  // Every change of the run's groups, one after the other: a task's group is never made
  // while the run's group is being removed.
  #queue: Promise<unknown>;

  constructor(
    h: CgroupHierarchy,
    accounting: ResourceAccounting,
    group: string,
    onLeftovers: ((processes: number) => void) | undefined,
  ) {
    this.#h = h;
    this.accounting = accounting;
    this.#group = group;
    this.#queue = this.#removeLeftovers(onLeftovers);
    this.ready = this.#queue.then(() => {});
  }

  readonly ready: Promise<void>;

  async #removeLeftovers(onLeftovers: ((processes: number) => void) | undefined): Promise<void> {
    if (!groupExists(this.#h, this.#group)) return;
    const found = groupPids(this.#h, this.#group).length;
    await removeGroup(this.#h, this.#group);
    if (found > 0) onLeftovers?.(found);
  }

  #serially<T>(step: () => Promise<T> | T): Promise<T> {
    const next = this.#queue.catch(() => {}).then(step);
    this.#queue = next;
    return next;
  }

  openTask(taskId: string, limits: TaskLimits): Promise<TaskResources> {
    return this.#serially(() => {
      const group = `${this.#group}/${taskId}`;
      makeGroup(this.#h, group);
      this.#live.add(taskId);
      const task = new TaskCgroups(this.#h, group, () => this.#release(taskId, group));
      try {
        if (limits.memoryMiB !== undefined)
          limitMemory(this.#h, group, mibToBytes(limits.memoryMiB));
        if (limits.cpuUnits !== undefined && limits.cpuQuotaFromStart) {
          limitCpu(this.#h, group, limits.cpuUnits);
        }
        task.cpuUnits = limits.cpuUnits;
      } catch (error) {
        void task.release();
        throw error;
      }
      return task;
    });
  }

  #release(taskId: string, group: string): Promise<void> {
    return this.#serially(async () => {
      await removeGroup(this.#h, group);
      this.#live.delete(taskId);
      if (this.#live.size > 0) return;
      // The last task is gone: so is the run's group, and `ecs-local/` if no other run uses it.
      if (childGroups(join(this.#h.memory, this.#group)).length === 0) {
        await removeGroup(this.#h, this.#group);
      }
      removeIfEmpty(this.#h, CGROUP_PARENT);
    });
  }
}

class TaskCgroups implements TaskResources {
  readonly #h: CgroupHierarchy;
  readonly #group: string;
  readonly #remove: () => Promise<void>;
  #released?: Promise<void>;

  constructor(h: CgroupHierarchy, group: string, remove: () => Promise<void>) {
    this.#h = h;
    this.#group = group;
    this.#remove = remove;
  }

  /** The task's CPU units, applied as a quota by {@link limitCpu}. */
  cpuUnits: number | undefined;
  #cpuLimited = false;

  limitCpu(): void {
    if (this.#cpuLimited || this.cpuUnits === undefined) return;
    this.#cpuLimited = true;
    limitCpu(this.#h, this.#group, this.cpuUnits);
  }

  enter(name: string, limits: { readonly memoryMiB?: number } = {}): readonly string[] {
    const group = `${this.#group}/${name}`;
    makeGroup(this.#h, group);
    if (limits.memoryMiB !== undefined) limitMemory(this.#h, group, mibToBytes(limits.memoryMiB));
    return procsFiles(this.#h, group);
  }

  usage(): { memoryBytes: number; cpuNanos: number } | undefined {
    const used = readUsage(this.#h, this.#group);
    return used && { memoryBytes: used.memoryBytes, cpuNanos: used.cpu.totalNanos };
  }

  containerUsage(name: string): ContainerUsage | undefined {
    const used = readUsage(this.#h, `${this.#group}/${name}`);
    if (!used) return undefined;
    return {
      memoryBytes: used.memoryBytes,
      cpuNanos: used.cpu.totalNanos,
      userNanos: used.cpu.userNanos,
      systemNanos: used.cpu.systemNanos,
      pids: used.pids,
    };
  }

  oomKilled(name: string): boolean {
    return readOomKills(this.#h, `${this.#group}/${name}`) > 0;
  }

  release(): Promise<void> {
    this.#released ??= this.#remove();
    return this.#released;
  }
}

/** Without cgroups: sums over the process trees from /proc, and no limits. */
class ProcTaskResources implements TaskResources {
  /** Without cgroups nothing is limited. */
  limitCpu(): void {}

  enter(): readonly string[] {
    return [];
  }

  usage(rootPids: readonly number[]): { memoryBytes: number; cpuNanos: number } {
    let memoryBytes = 0;
    let cpuNanos = 0;
    for (const pid of rootPids) {
      const used = processTreeUsage(pid);
      memoryBytes += used.memoryBytes;
      cpuNanos += used.cpuNanos;
    }
    return { memoryBytes, cpuNanos };
  }

  containerUsage(_name: string, rootPid: number): ContainerUsage {
    return processTreeUsage(rootPid);
  }

  oomKilled(): boolean {
    return false;
  }

  async release(): Promise<void> {}
}
