/**
 * Keeping an agent's backends equal to Cloud Map: the runtime API commands that turn the
 * servers it has into the endpoints it should have. Pure. A new server is added in
 * maintenance and then enabled (haproxy adds dynamic servers disabled); a leaving one is put
 * in maintenance first, so no new request picks it, then deleted.
 */
import { backendName, serverName } from "./agent-config.js";
import type { Endpoint } from "./endpoints-file.js";

/** The servers an agent has now: backend → server name → socket path. */
export type AgentServers = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface EndpointChanges {
  readonly add: readonly { backend: string; server: string; address: string }[];
  readonly remove: readonly { backend: string; server: string }[];
}

export function endpointChanges(
  current: AgentServers,
  discoveryNames: Iterable<string>,
  endpoints: ReadonlyMap<string, readonly Endpoint[]>,
): EndpointChanges {
  const add: { backend: string; server: string; address: string }[] = [];
  const remove: { backend: string; server: string }[] = [];
  for (const name of new Set(discoveryNames)) {
    const backend = backendName(name);
    const have = current.get(backend) ?? new Map<string, string>();
    const want = new Map((endpoints.get(name) ?? []).map((e) => [serverName(e), e.address]));
    for (const [server, address] of want) {
      if (!have.has(server)) add.push({ backend, server, address });
    }
    for (const server of have.keys()) {
      if (!want.has(server)) remove.push({ backend, server });
    }
  }
  return { add, remove };
}

/** One runtime API command, and what its success changes in the agent's server list. */
export interface AgentStep {
  readonly command: string;
  readonly backend: string;
  readonly server: string;
  readonly effect: { readonly added: string } | { readonly deleted: true } | undefined;
}

/**
 * The steps for the changes, in the order they must run. `serverLine` gives what follows a new
 * server's name, as the agent's configuration writes it (`serverLine` of agent-config). A
 * server added at run time starts in maintenance with its checks off: both are turned on,
 * except the checks of a backend that has none (`checked` false: a blocked one, whose servers
 * must stay up so every connection times out).
 */
export function endpointSteps(
  changes: EndpointChanges,
  serverLine: (backend: string, address: string) => string,
  checked: (backend: string) => boolean = () => true,
): AgentStep[] {
  return [
    ...changes.add.flatMap(({ backend, server, address }): AgentStep[] => [
      {
        command: `add server ${backend}/${server} ${serverLine(backend, address)}`,
        backend,
        server,
        effect: { added: address },
      },
      ...(checked(backend)
        ? [{ command: `enable health ${backend}/${server}`, backend, server, effect: undefined }]
        : []),
      { command: `enable server ${backend}/${server}`, backend, server, effect: undefined },
    ]),
    ...changes.remove.flatMap(({ backend, server }): AgentStep[] => [
      {
        command: `set server ${backend}/${server} state maint`,
        backend,
        server,
        effect: undefined,
      },
      // Refused while the server still has connections: it stays in maintenance (no new
      // request picks it) and the next change tries again.
      { command: `del server ${backend}/${server}`, backend, server, effect: { deleted: true } },
    ]),
  ];
}

/**
 * Whether haproxy's answer to a step means success: `add` and `del` confirm in words, the
 * others answer nothing when they succeed.
 */
export function stepSucceeded(step: AgentStep, answer: string): boolean {
  if (step.effect && "added" in step.effect) return /New server registered/i.test(answer);
  if (step.effect) return /Server deleted/i.test(answer);
  return answer.trim() === "";
}

/** The server list after a successful step. */
export function applyStep(servers: AgentServers, step: AgentStep): AgentServers {
  if (!step.effect) return servers;
  const next = new Map([...servers].map(([backend, group]) => [backend, new Map(group)]));
  const group = next.get(step.backend) ?? new Map<string, string>();
  next.set(step.backend, group);
  if ("added" in step.effect) group.set(step.server, step.effect.added);
  else group.delete(step.server);
  return next;
}
