/**
 * The agent's per-request records: a sample of the HTTP requests through an egress listener is
 * written, one line each, to an in-memory ring of the agent (haproxy's `ring`, no file, no syscall per line),
 * which the control plane follows over the runtime API (`show events … -w -n`). From them come
 * Service Connect's response times. Pure: the format and its parser.
 */

/**
 * One request in this many writes a record. Records give response times; counts come from the
 * agent's counters. Writing every one cost about a sixth of Service Connect's throughput on a
 * 2-core machine, the control plane's reading included (`npm run bench:data-path`).
 */
export const REQUEST_SAMPLE_EVERY = 10;

/** The ring's name in the agent's configuration. */
export const REQUEST_RING = "sc-requests";

/**
 * backend, status, response time (ms, -1 without a response), bytes to the client, bytes from
 * the client, and the termination state (`--` when the endpoint answered and nothing failed).
 */
export const REQUEST_LOG_FORMAT = "%b %ST %Tr %B %U %tsc";

export interface ServiceConnectRequest {
  /** The discovery name the request went to. */
  readonly discoveryName: string;
  readonly status: number;
  /** From the request reaching the endpoint to its response headers; null without one. */
  readonly responseMs: number | null;
  /** Bytes of the response, and of the request. */
  readonly responseBytes: number;
  readonly requestBytes: number;
  /**
   * True when the status came from the app in the target task, false when the agent made it
   * (503 with no endpoint, 504 after the per-request timeout…): only the first count as
   * `HTTPCode_Target_*`.
   */
  readonly fromTarget: boolean;
}

const BACKEND_PREFIX = "sc-";

/** One ring line; undefined for a line of another shape (haproxy's own notices). */
export function parseRequestLine(line: string): ServiceConnectRequest | undefined {
  const parts = line.trim().split(" ");
  if (parts.length !== 6) return undefined;
  const [backend = "", status, responseMs, responseBytes, requestBytes, state = ""] = parts;
  if (!backend.startsWith(BACKEND_PREFIX)) return undefined;
  const numbers = [status, responseMs, responseBytes, requestBytes].map(Number);
  if (numbers.some((n) => !Number.isInteger(n))) return undefined;
  const [code = 0, tr = -1, out = 0, inBytes = 0] = numbers;
  return {
    discoveryName: backend.slice(BACKEND_PREFIX.length),
    status: code,
    responseMs: tr < 0 ? null : tr,
    responseBytes: out,
    requestBytes: inBytes,
    // `--`: a normal end. A first letter other than `-` is a session abort, and a status
    // without a response time was made by the agent, not the endpoint.
    fromTarget: tr >= 0 && state.startsWith("-"),
  };
}
