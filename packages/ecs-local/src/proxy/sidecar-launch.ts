/**
 * The command line that starts a task's sidecar. An installed package runs the prebuilt
 * dist/sidecar.mjs; the sources (the repository's dev loop) bundle it once per run with
 * esbuild, a dev dependency that the package build leaves out of dist/ entirely.
 */
import { fileURLToPath } from "node:url";

/** Turns a sidecar config file into the argv that starts the sidecar on it. */
export type SidecarCommand = (configPath: string) => string[];

/**
 * Returns the sidecar's command. `workDir` is where the sources are bundled to; a build
 * ignores it. Every module of dist/ sits beside sidecar.mjs (the build writes no subfolders).
 */
export async function sidecarCommand(workDir: string): Promise<SidecarCommand> {
  // if/else, not an early return: the build folds the test and drops the esbuild branch.
  if (typeof ECS_LOCAL_BUILD_VERSION === "string") {
    const prebuilt = fileURLToPath(new URL("./sidecar.mjs", import.meta.url));
    return (configPath) => [process.execPath, prebuilt, configPath];
  } else {
    const { bundleSidecar } = await import("./sidecar-bundle.js");
    return bundleSidecar(workDir);
  }
}
