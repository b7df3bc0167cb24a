/**
 * How traffic to a Service Connect alias reaches the sidecar. ECS does not bind the alias
 * address itself: it redirects `127.255.0.N:<port>` to the agent's listener with netfilter,
 * so the app may still bind `0.0.0.0:<port>` (the backend listens on 5000 and also dials
 * `backend-container.local:5000`). We do the same with one nftables table per task, inside
 * the task's network namespace, where the sidecar is root of its user namespace.
 */
import { SandboxError } from "../errors.js";
import { findTool } from "../sandbox/host-tools.js";
import { describeExit, runProcess, succeeded } from "../sandbox/run-process.js";

export interface Redirect {
  /** The address and port the app dials (alias or task-metadata address). */
  readonly address: string;
  readonly port: number;
  /** The loopback port the sidecar's listener actually bound. */
  readonly toPort: number;
}

export const REDIRECT_TABLE = "ecs_service_connect";

/** The nftables script for a task's redirects (pure; replaces the table when rerun). */
export function renderRedirects(redirects: readonly Redirect[]): string {
  const rules = redirects.map(
    (r) => `    ip daddr ${r.address} tcp dport ${r.port} redirect to :${r.toPort}`,
  );
  return [
    `table ip ${REDIRECT_TABLE}`,
    `delete table ip ${REDIRECT_TABLE}`,
    `table ip ${REDIRECT_TABLE} {`,
    "  chain output {",
    "    type nat hook output priority -100; policy accept;",
    ...rules,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** Installs the redirects in the current network namespace with `nft -f -`. */
export async function installRedirects(redirects: readonly Redirect[]): Promise<void> {
  if (redirects.length === 0) return;
  const nft = await findTool("nft");
  if (!nft) {
    throw new SandboxError(
      "nft (nftables) is not installed; Service Connect aliases need it to reach the sidecar. `ecs-local doctor` says how to install it.",
    );
  }
  const result = await runProcess([nft, "-f", "-"], {
    input: renderRedirects(redirects),
    timeoutMs: 10_000,
  });
  if (!succeeded(result)) {
    throw new SandboxError(
      `nft could not install the Service Connect redirects (${describeExit(result)}): ${result.stderr.trim()}`,
    );
  }
}
