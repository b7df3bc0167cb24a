/**
 * The Service Connect aliases of a namespace: the `/etc/hosts` lines every Service Connect task
 * gets (`127.255.0.N <alias>`, as ECS writes them) and the egress listener of each alias in the
 * task's Service Connect agent.
 */
import type { Service } from "../model/types.js";
import type { EgressConfig } from "../proxy/agent-config.js";
import { assignAliasAddresses, type HostEntry } from "../sandbox/hosts-file.js";

export function namespaceAliases(services: readonly Service[]): {
  readonly entries: HostEntry[];
  readonly egress: EgressConfig[];
} {
  const connected = services.flatMap((s) => s.serviceConnect?.services ?? []);
  const entries = assignAliasAddresses(
    connected.flatMap((s) => s.clientAliases.map((a) => a.dnsName)),
  );
  const addressOf = new Map(entries.map((e) => [e.name, e.ip]));
  const egress = connected.flatMap((s) =>
    s.clientAliases.map((alias) => ({
      address: addressOf.get(alias.dnsName.toLowerCase()) as string,
      port: alias.port,
      discoveryName: s.discoveryName,
      protocol: s.appProtocol === "http" ? ("http" as const) : ("tcp" as const),
      perRequestTimeoutMs: s.perRequestTimeoutMs,
      idleTimeoutMs: s.idleTimeoutMs,
    })),
  );
  return { entries, egress };
}
