/**
 * Which cgroup hierarchy ecs-local can use to measure and limit a task's CPU and memory:
 * cgroup v2 with the memory and cpu controllers where this process may create groups (root,
 * or a delegated subtree), else cgroup v1's memory and cpuacct hierarchies as root, else
 * none (measurements then come from /proc sums and limits are not enforced).
 * `ECS_LOCAL_CGROUPS=off` chooses none on any machine.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";

export type CgroupMode = "v2" | "v1" | "none";

export interface CgroupSupport {
  readonly mode: CgroupMode;
  /** v2: the folder groups are created under. v1: controller → its mount point. */
  readonly v2Root?: string;
  readonly v1Mounts?: Readonly<Record<string, string>>;
  /** One line for `doctor` and `ps`. */
  readonly summary: string;
}

export interface CgroupMount {
  readonly mountPoint: string;
  readonly type: "cgroup" | "cgroup2";
  /** v1 only: the controllers of this hierarchy (`memory`, `cpu,cpuacct`…). */
  readonly controllers: readonly string[];
}

/** The cgroup mounts in a `/proc/self/mounts` text. */
export function parseCgroupMounts(mounts: string): CgroupMount[] {
  const found: CgroupMount[] = [];
  for (const line of mounts.split("\n")) {
    const [, mountPoint, type, options] = line.split(" ");
    if (mountPoint === undefined || (type !== "cgroup" && type !== "cgroup2")) continue;
    const controllers =
      type === "cgroup"
        ? (options ?? "").split(",").filter((o) => ["memory", "cpu", "cpuacct", "pids"].includes(o))
        : [];
    found.push({ mountPoint, type, controllers });
  }
  return found;
}

/** What the host offers, from its mounts and what this process may write. */
export interface CgroupProbe {
  readonly mounts: readonly CgroupMount[];
  /** Controllers listed in a v2 folder's `cgroup.controllers`. */
  readonly v2Controllers: (dir: string) => readonly string[];
  /** Whether this process may create groups in `dir`. */
  readonly writable: (dir: string) => boolean;
  /** This process's own v2 group (`0::/user.slice/…`), for a delegated subtree. */
  readonly ownV2Group: string | undefined;
  /** Set when cgroups are turned off on purpose: the name and value of the setting. */
  readonly turnedOffBy?: string;
}

/** The environment variable that turns cgroups off (`off`): /proc sums, no limits. */
export const CGROUPS_ENV = "ECS_LOCAL_CGROUPS";

const FALLBACK = "usage comes from /proc sums and limits are not enforced";

/** Picks the hierarchy to use. Pure over the probe. */
export function chooseCgroups(probe: CgroupProbe): CgroupSupport {
  if (probe.turnedOffBy !== undefined) {
    return { mode: "none", summary: `no cgroups: turned off by ${probe.turnedOffBy}; ${FALLBACK}` };
  }
  const v2 = probe.mounts.find((m) => m.type === "cgroup2");
  if (v2) {
    const candidates = [v2.mountPoint];
    if (probe.ownV2Group && probe.ownV2Group !== "/") {
      candidates.push(join(v2.mountPoint, probe.ownV2Group));
    }
    for (const dir of candidates) {
      const controllers = probe.v2Controllers(dir);
      if (controllers.includes("memory") && controllers.includes("cpu") && probe.writable(dir)) {
        return {
          mode: "v2",
          v2Root: dir,
          summary: `cgroup v2 at ${dir} (memory, cpu): usage measured and limits enforced`,
        };
      }
    }
  }
  const v1: Record<string, string> = {};
  for (const mount of probe.mounts) {
    if (mount.type !== "cgroup") continue;
    for (const controller of mount.controllers) v1[controller] ??= mount.mountPoint;
  }
  const needed = ["memory", "cpu", "cpuacct"];
  if (needed.every((c) => v1[c] !== undefined && probe.writable(v1[c] as string))) {
    return {
      mode: "v1",
      v1Mounts: v1,
      summary: `cgroup v1 (memory, cpu, cpuacct under ${dirnameOf(v1.memory)}): usage measured and limits enforced`,
    };
  }
  const why = v2
    ? "cgroup v2 has no memory and cpu controllers this process may use, and cgroup v1 needs root"
    : "no usable cgroup hierarchy (v1 needs root, v2 needs a delegated subtree)";
  return {
    mode: "none",
    summary: `no cgroups: ${why}; ${FALLBACK}`,
  };
}

function dirnameOf(path: string | undefined): string {
  return path?.replace(/\/[^/]+$/, "") || "/";
}

/** Detects the cgroup support of this host. */
export function detectCgroups(): CgroupSupport {
  let mounts = "";
  let ownGroup: string | undefined;
  try {
    mounts = readFileSync("/proc/self/mounts", "utf8");
    ownGroup = /^0::(.*)$/m.exec(readFileSync("/proc/self/cgroup", "utf8"))?.[1];
  } catch {
    // no /proc: not Linux, and the sandbox probe says so
  }
  const setting = process.env[CGROUPS_ENV];
  return chooseCgroups({
    ...(setting === "off" ? { turnedOffBy: `${CGROUPS_ENV}=off` } : {}),
    mounts: parseCgroupMounts(mounts),
    ownV2Group: ownGroup,
    v2Controllers: (dir) => {
      try {
        return readFileSync(join(dir, "cgroup.controllers"), "utf8").trim().split(/\s+/);
      } catch {
        return [];
      }
    },
    writable: (dir) => {
      try {
        accessSync(dir, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  });
}
