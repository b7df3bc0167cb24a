/**
 * Finding host tools, and the namespace flags shared by the probe and the sandbox, so the
 * probe tests exactly what `create` will do.
 */
import { existsSync } from "node:fs";
import { access, constants } from "node:fs/promises";
import path from "node:path";

/**
 * New user (unprivileged, current user mapped to root), network, mount and UTS namespaces:
 * the task gets its own loopback, its own /etc/hosts and its own hostname, like an awsvpc task.
 */
export const NAMESPACE_FLAGS = ["--user", "--map-root-user", "--net", "--mount", "--uts"] as const;

/**
 * The `nsenter` flags that join only the task's user and network namespaces: its loopback, its
 * ports and its netfilter rules, with the host's filesystem. The Service Connect agent runs
 * so: it needs the run folder (the endpoints file, other tasks' ingress sockets, its task's
 * metadata socket) that the task's containers must not see.
 */
export const NSENTER_NETWORK_FLAGS = ["--user", "--net", "--preserve-credentials"] as const;

/** The `nsenter` flags that join all of {@link NAMESPACE_FLAGS}: what a container sees. */
export const NSENTER_FLAGS = [
  "--user",
  "--net",
  "--mount",
  "--uts",
  "--preserve-credentials",
] as const;

// sbin folders are often missing from a non-root PATH, but `ip` lives there.
const FALLBACK_PATH = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/** PATH for the holder's setup script: the caller's PATH plus the sbin folders. */
export function toolPath(): string {
  const parts = (process.env.PATH ?? "").split(":").filter((p) => p !== "");
  return [...new Set([...parts, ...FALLBACK_PATH])].join(":");
}

// Only finds are cached: a tool installed while we run (by `up`'s prerequisite step) is seen.
const resolved = new Map<string, string>();

/** Absolute path of a host tool, or undefined when it is not installed. */
export async function findTool(name: string): Promise<string | undefined> {
  const known = resolved.get(name);
  if (known !== undefined) return known;
  for (const dir of toolPath().split(":")) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      resolved.set(name, candidate);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Every executable named `name` on the tool path, in PATH order (not cached). */
export async function findToolCandidates(name: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of toolPath().split(":")) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if (!found.includes(candidate)) found.push(candidate);
    } catch {
      // not in this folder
    }
  }
  return found;
}

/**
 * The Python that builds Python images: `ECS_LOCAL_PYTHON`, else the distribution's
 * `/usr/bin/python3` (which sees packages such as python3-flask), else `python3` on PATH.
 */
export function pythonInterpreter(): string {
  return (
    process.env.ECS_LOCAL_PYTHON ??
    (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
  );
}
