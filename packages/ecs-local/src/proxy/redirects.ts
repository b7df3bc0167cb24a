/**
 * How traffic to a Service Connect alias reaches the task's agent. ECS does not bind the alias
 * address itself: it redirects `127.255.0.N:<port>` to the agent's listener with netfilter,
 * so the app may still bind `0.0.0.0:<port>` (the backend listens on 5000 and also dials
 * `backend-container.local:5000`). We do the same with one nftables table per task, inside
 * the task's network namespace, where the agent is root of its user namespace.
 */

export interface Redirect {
  /** The address and port the app dials (alias or task-metadata address). */
  readonly address: string;
  readonly port: number;
  /** The loopback port of the agent's listener. */
  readonly toPort: number;
}

export const REDIRECT_TABLE = "ecs_service_connect";

/**
 * The nftables script for a task's redirects (pure; replaces the table when rerun). With
 * `blackhole`, a CIDR of the task's loopback, every packet to it is dropped on the way in:
 * a connection there is never answered, as one a security group drops in a VPC.
 */
export function renderRedirects(
  redirects: readonly Redirect[],
  options: { readonly blackhole?: string } = {},
): string {
  const rules = redirects.map(
    (r) => `    ip daddr ${r.address} tcp dport ${r.port} redirect to :${r.toPort}`,
  );
  const blackhole = options.blackhole
    ? [
        "  chain input {",
        "    type filter hook input priority 0; policy accept;",
        `    ip daddr ${options.blackhole} drop`,
        "  }",
      ]
    : [];
  return [
    `table ip ${REDIRECT_TABLE}`,
    `delete table ip ${REDIRECT_TABLE}`,
    `table ip ${REDIRECT_TABLE} {`,
    "  chain output {",
    "    type nat hook output priority -100; policy accept;",
    ...rules,
    "  }",
    ...blackhole,
    "}",
    "",
  ].join("\n");
}
