/**
 * The command line that starts a sidecar, for the control plane to pass to
 * `TaskSandbox.spawn`. Absolute paths, so it works from any working directory.
 */
import { fileURLToPath } from "node:url";

/** `[node, --import, <tsx>, <sidecar-main.ts>, <configPath>]` */
export function sidecarArgv(configPath: string): string[] {
  return [
    process.execPath,
    "--import",
    import.meta.resolve("tsx"),
    fileURLToPath(new URL("./sidecar-main.ts", import.meta.url)),
    configPath,
  ];
}
