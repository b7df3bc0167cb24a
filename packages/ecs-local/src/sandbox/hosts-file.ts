/**
 * The `/etc/hosts` a task sees, rendered the way ECS writes it for Service Connect: loopback
 * names first, then one `127.255.0.N <alias>` line per client alias, so an app dialling
 * `backend-container.local:5000` lands on its own agent's egress listener. Pure.
 */

/** One `address name` line. */
export interface HostEntry {
  readonly ip: string;
  readonly name: string;
}

export interface HostsFileOptions {
  /** The task's own hostname; resolves to 127.0.0.1 as the task has no other address. */
  readonly hostname?: string;
  /** Extra lines, usually from {@link assignAliasAddresses}. */
  readonly entries: readonly HostEntry[];
}

/** Aliases get 127.255.0.1 … 127.255.0.254, then 127.255.1.1 …; a task never has this many. */
const MAX_ALIASES = 254 * 255;

/**
 * Gives each distinct alias name an address in 127.255.0.0/16, sorted by name and numbered
 * from 1, so the same set of aliases always yields the same file (stable across restarts and
 * replicas, which keeps logs and diffs readable).
 */
export function assignAliasAddresses(names: readonly string[]): HostEntry[] {
  const unique = [...new Set(names.map((n) => n.trim().toLowerCase()))].filter((n) => n !== "");
  unique.sort();
  if (unique.length > MAX_ALIASES) {
    throw new RangeError(
      `${unique.length} Service Connect aliases exceed the ${MAX_ALIASES} addresses of 127.255.0.0/16.`,
    );
  }
  return unique.map((name, i) => ({ ip: `127.255.${Math.floor(i / 254)}.${(i % 254) + 1}`, name }));
}

/** Renders the hosts file text, ending in a newline. Rejects names that would corrupt it. */
export function renderHostsFile(options: HostsFileOptions): string {
  const lines = ["127.0.0.1 localhost", "::1 localhost"];
  if (options.hostname !== undefined) lines.push(`127.0.0.1 ${checkName(options.hostname)}`);
  for (const e of options.entries) lines.push(`${checkIp(e.ip)} ${checkName(e.name)}`);
  return `${lines.join("\n")}\n`;
}

// A name with whitespace or '#' would silently change what other lines mean.
function checkName(name: string): string {
  if (!/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(name)) {
    throw new RangeError(
      `Invalid host name ${JSON.stringify(name)}: use letters, digits, '.', '-' and '_'.`,
    );
  }
  return name;
}

function checkIp(ip: string): string {
  if (!/^[0-9a-fA-F:.]+$/.test(ip))
    throw new RangeError(`Invalid address ${JSON.stringify(ip)} for the hosts file.`);
  return ip;
}
