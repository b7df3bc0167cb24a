/**
 * Checks once, before any task starts, that this machine can give tasks their own namespaces,
 * so `up` fails with one actionable message instead of every task failing on its own.
 */
import { execFile } from "node:child_process";
import { SandboxUnavailableError } from "../errors.js";
import { findTool, NAMESPACE_FLAGS, toolPath } from "./host-tools.js";

const FALLBACK_NOTE =
  "A shared-network fallback for such machines is planned but does not exist yet.";

/**
 * Resolves when `unshare` can create the namespaces a task sandbox uses and the tools to set
 * them up exist; throws {@link SandboxUnavailableError} saying why and what to do otherwise.
 */
export async function probeNamespaces(): Promise<void> {
  if (process.platform !== "linux") {
    throw new SandboxUnavailableError(
      `ecs-local runs tasks in Linux namespaces, but this is ${process.platform}. Run it on Linux (a VM or WSL2 works). ${FALLBACK_NOTE}`,
    );
  }
  // nft installs the Service Connect alias redirects inside each task (see proxy/redirects.ts).
  const packages: Record<string, string> = { ip: "iproute2", nft: "nftables" };
  for (const tool of ["unshare", "nsenter", "ip", "mount", "nft"]) {
    if ((await findTool(tool)) === undefined) {
      const pkg = packages[tool] ?? "util-linux";
      throw new SandboxUnavailableError(
        `'${tool}' was not found on PATH (${toolPath()}). Install ${pkg} (e.g. 'apt-get install ${pkg}').`,
      );
    }
  }
  const unshare = (await findTool("unshare")) as string;
  const stderr = await new Promise<string | undefined>((resolve) => {
    execFile(unshare, [...NAMESPACE_FLAGS, "true"], { timeout: 10_000 }, (err, _out, errText) => {
      resolve(err ? String(errText).trim() || err.message : undefined);
    });
  });
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
