/**
 * A task's network filter: what may open a connection to it over the run network, as its
 * security groups decide in a VPC. Pure: the rules as `nft -f` text. Replies to what the task
 * opened itself pass (groups are stateful); a new connection from another task passes only if
 * its address and the port are admitted; anything else on `eth0` is dropped unanswered, so the
 * caller's connect times out, as a dropped SYN does in a VPC. Loopback is not filtered.
 */
export const FILTER_TABLE = "ecs_vpc";
const SET = "admitted";

/** Another task's address, admitted to one of this task's ports. */
export interface Admission {
  readonly address: string;
  readonly port: number;
}

/** The whole filter of a task, with what is admitted when it joins. */
export function renderNetworkFilter(admitted: readonly Admission[]): string {
  return [
    `table ip ${FILTER_TABLE} {`,
    `  set ${SET} { type ipv4_addr . inet_service; }`,
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    '    iifname "eth0" ct state established,related accept',
    `    iifname "eth0" ip saddr . tcp dport @${SET} accept`,
    '    iifname "eth0" drop',
    "  }",
    "}",
    renderAdmissions(admitted),
  ].join("\n");
}

/** What admits more callers to a task's filter; empty when there are none. */
export function renderAdmissions(admitted: readonly Admission[]): string {
  if (admitted.length === 0) return "";
  const elements = admitted.map((a) => `${a.address} . ${a.port}`).join(", ");
  return `add element ip ${FILTER_TABLE} ${SET} { ${elements} }\n`;
}
