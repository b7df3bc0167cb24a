/**
 * The endpoints file: the control plane's view of which tasks serve each discovery name (Cloud
 * Map), published for people and tools to read. The control plane writes it
 * atomically (write a temp file, rename over) so a reader never sees half a file:
 *
 * ```json
 * { "version": 7,
 *   "services": { "backend-container": [ { "taskId": "backend-1", "address": "10.0.1.1:5000" } ] } }
 * ```
 *
 * Only healthy, registered tasks are listed; a name with no entry (or `[]`) has no endpoint.
 * Parsing is pure and a bad file is a value, for whoever reads it back (tests, tools).
 * {@link writeEndpointsFile} is the one writer.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** One task serving a discovery name. */
export interface Endpoint {
  readonly taskId: string;
  /**
   * Where an agent connects to reach it: `ip:port`, the task's app on the run network; or,
   * when the run has no network (see `RunNetwork`), the absolute path of the task's ingress
   * socket, through its own agent.
   */
  readonly address: string;
}

/** Whether an endpoint address is a unix socket path rather than `ip:port`. */
export function isSocketAddress(address: string): boolean {
  return address.startsWith("/");
}

/** Whether an address is `ip:port` (haproxy's `addr` column writes a server's so too). */
export function isNetworkAddress(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(address);
}

export interface EndpointsSnapshot {
  /** Increases with every write; for logs (changes are detected by content). */
  readonly version: number;
  readonly services: ReadonlyMap<string, readonly Endpoint[]>;
}

/** Before the first file is read: no endpoints anywhere. */
export const EMPTY_SNAPSHOT: EndpointsSnapshot = { version: 0, services: new Map() };

export type EndpointsParseResult =
  | { readonly ok: true; readonly snapshot: EndpointsSnapshot }
  | { readonly ok: false; readonly problem: string };

/** Parses the file's text. */
export function parseEndpoints(text: string): EndpointsParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON (${(err as Error).message})` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return { ok: false, problem: "not an object" };
  const { version, services } = data as Record<string, unknown>;
  if (!Number.isInteger(version) || (version as number) < 0) {
    return {
      ok: false,
      problem: `version must be a whole number >= 0, got ${JSON.stringify(version)}`,
    };
  }
  if (typeof services !== "object" || services === null || Array.isArray(services)) {
    return { ok: false, problem: "services must be an object of discovery name to endpoint list" };
  }
  const out = new Map<string, Endpoint[]>();
  for (const [name, list] of Object.entries(services)) {
    if (!Array.isArray(list)) return { ok: false, problem: `services.${name} must be an array` };
    const endpoints: Endpoint[] = [];
    for (const [i, e] of list.entries()) {
      const { taskId, address } = (e ?? {}) as Record<string, unknown>;
      if (
        typeof taskId !== "string" ||
        typeof address !== "string" ||
        !(isSocketAddress(address) || isNetworkAddress(address))
      ) {
        return {
          ok: false,
          problem: `services.${name}[${i}] needs a taskId and an address (ip:port, or an absolute socket path)`,
        };
      }
      endpoints.push({ taskId, address });
    }
    out.set(name, endpoints);
  }
  return { ok: true, snapshot: { version: version as number, services: out } };
}

/** The file's text for a snapshot (the inverse of {@link parseEndpoints}). */
export function renderEndpoints(snapshot: EndpointsSnapshot): string {
  const services = Object.fromEntries(snapshot.services);
  return `${JSON.stringify({ version: snapshot.version, services }, null, 1)}\n`;
}

/**
 * Writes the endpoints file: the one writer. Write a temporary file, then rename it over the
 * old one, so a reader at that moment sees the old file or the new one, whole.
 */
export function writeEndpointsFile(file: string, snapshot: EndpointsSnapshot): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, renderEndpoints(snapshot));
  renameSync(temporary, file);
}
