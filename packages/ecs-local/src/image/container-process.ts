/**
 * Prepared image + ECS container definition → the host process to start. Pure apart from
 * existence checks on the prepared folder (injectable), which decide how container paths map.
 *
 * ECS semantics mirrored (they are Docker's container-create rules):
 * - `entryPoint` replaces ENTRYPOINT; when it is set, the image's CMD is dropped too, and only
 *   the task definition's `command` (if any) follows it.
 * - `command` replaces CMD.
 * - `environment` overrides the image's ENV; `extraEnv` (ECS-injected variables) overrides both.
 * - `workingDirectory` overrides WORKDIR.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { DockerfileError } from "../errors.js";
import type { ContainerDefinition } from "../model/types.js";
import type { PreparedImage } from "./build-steps.js";
import { mapCommandPaths, resolveContainerPath } from "./container-paths.js";

export interface ContainerProcess {
  readonly argv: string[];
  readonly env: Record<string, string>;
  /** Host folder the process starts in (the mapped WORKDIR). */
  readonly cwd: string;
}

export interface ContainerProcessOptions {
  /** Source of PATH and HOME; default `process.env`. */
  readonly hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Existence check for host paths; default `fs.existsSync`. */
  readonly exists?: (hostPath: string) => boolean;
}

/** The parts of a prepared image this needs (so callers and tests can pass a plain object). */
export type PreparedRuntime = Pick<
  PreparedImage,
  "rootDir" | "workdir" | "env" | "entrypoint" | "cmd" | "venvDir"
>;

export function containerProcess(
  prepared: PreparedRuntime,
  container: Pick<
    ContainerDefinition,
    "name" | "entryPoint" | "command" | "environment" | "workingDirectory"
  >,
  extraEnv: Readonly<Record<string, string>> = {},
  options: ContainerProcessOptions = {},
): ContainerProcess {
  const exists = options.exists ?? existsSync;
  const hostEnv = options.hostEnv ?? process.env;
  const root = prepared.rootDir;

  const entrypoint = container.entryPoint ?? prepared.entrypoint;
  const cmd = container.command ?? (container.entryPoint !== undefined ? [] : prepared.cmd);
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) {
    throw new DockerfileError(
      `container "${container.name}": nothing to run: the image has no CMD or ENTRYPOINT and the task definition ` +
        "sets no command. Add `CMD [...]` to the Dockerfile or `command` to the container definition.",
    );
  }

  const underRoot = (p: string): string => path.join(root, p);
  const mapped = argv.map((arg, i) => {
    if (arg.startsWith("/") && !/^\/(dev|proc|sys)(\/|$)/.test(arg) && exists(underRoot(arg)))
      return underRoot(arg);
    // `sh -c "node /app/server.js"`: map the paths inside the script that exist in the image.
    if (i > 0 && argv[i - 1] === "-c" && /(^|\/)(ba|da)?sh$/.test(argv[0] ?? "")) {
      return mapCommandPaths(arg, root, (p) => exists(underRoot(p)));
    }
    return arg;
  });

  const env: Record<string, string> = { ...prepared.env, ...container.environment, ...extraEnv };
  env.PATH = hostSearchPath(env.PATH, root, prepared.venvDir, hostEnv.PATH, exists);
  if (prepared.venvDir !== undefined) env.VIRTUAL_ENV = prepared.venvDir;
  // Docker sets HOME from the image user; locally the process is the host user.
  if (env.HOME === undefined && hostEnv.HOME !== undefined) env.HOME = hostEnv.HOME;

  const workdir = resolveContainerPath("/", container.workingDirectory ?? prepared.workdir);
  return { argv: mapped, env, cwd: underRoot(workdir) };
}

/**
 * The PATH a prepared image's processes (and build steps) use: the virtualenv's `bin` first
 * (so `python`/`pip` are the venv's), then the image's PATH entries that exist in the prepared
 * folder (e.g. `/app/node_modules/.bin`), then the host PATH, where node, npm and python live.
 */
export function hostSearchPath(
  imagePath: string | undefined,
  rootDir: string,
  venvDir: string | undefined,
  hostPath: string | undefined,
  exists: (hostPath: string) => boolean = existsSync,
): string {
  const entries: string[] = [];
  if (venvDir !== undefined) entries.push(path.join(venvDir, "bin"));
  for (const e of (imagePath ?? "").split(":")) {
    if (e.startsWith("/") && exists(path.join(rootDir, e))) entries.push(path.join(rootDir, e));
  }
  for (const e of (hostPath ?? "").split(":")) if (e !== "") entries.push(e);
  return [...new Set(entries)].join(":");
}
