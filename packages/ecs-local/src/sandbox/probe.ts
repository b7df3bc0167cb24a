/**
 * Checks once, before any task starts, that this machine can give tasks their own namespaces,
 * so `up` fails with one actionable message instead of every task failing on its own.
 */
import { SandboxUnavailableError } from "../errors.js";
import { findTool, NAMESPACE_FLAGS, toolPath } from "./host-tools.js";
import { describeExit, runProcess, succeeded } from "./run-process.js";

// Said plainly, so nobody looks for a switch that is not there.
const FALLBACK_NOTE = "ecs-local has no mode without namespaces.";

/**
 * Resolves when `unshare` can create the namespaces a task sandbox uses; throws
 * {@link SandboxUnavailableError} saying why and what to do otherwise. The host tools
 * themselves are checked (and installed) by `host-check.ts` first.
 */
export async function probeNamespaces(): Promise<void> {
  if (process.platform !== "linux") {
    throw new SandboxUnavailableError(
      `ecs-local runs tasks in Linux namespaces, but this is ${process.platform}. Run it on Linux (a VM or WSL2 works). ${FALLBACK_NOTE}`,
    );
  }
  const unshare = await findTool("unshare");
  if (unshare === undefined) {
    throw new SandboxUnavailableError(
      `'unshare' was not found on PATH (${toolPath()}); \`ecs-local doctor\` says how to install it.`,
    );
  }
  const result = await runProcess([unshare, ...NAMESPACE_FLAGS, "true"], { timeoutMs: 10_000 });
  const stderr = succeeded(result) ? undefined : result.stderr.trim() || describeExit(result);
  if (stderr !== undefined) {
    throw new SandboxUnavailableError(
      `Cannot create unprivileged user namespaces: 'unshare ${NAMESPACE_FLAGS.join(" ")} true' failed: ${stderr}. ` +
        "Enable them with 'sudo sysctl -w kernel.unprivileged_userns_clone=1' (Debian/Ubuntu), " +
        "'sudo sysctl -w user.max_user_namespaces=15000', or on Ubuntu 24.04+ " +
        "'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'; inside a container, run it with " +
        `--privileged or a seccomp profile that allows unshare. ${FALLBACK_NOTE}`,
    );
  }
}
