/**
 * Fetches the backend's greeting over HTTP. Every way the call can go wrong is a return value, not
 * an exception, so the page can always render: in ECS the backend may be scaling, deploying or
 * ejected by the Service Connect proxy, and the frontend must stay up through that.
 */

/** Which backend task answered: ECS metadata on Fargate/ecs-local, hostname and pid elsewhere. */
export interface ServedBy {
  readonly taskId?: string;
  readonly taskArn?: string;
  readonly availabilityZone?: string;
  readonly hostname?: string;
  readonly pid?: number;
}

/** The body of `GET /api/message`, validated. */
export interface BackendMessage {
  readonly message: string;
  /** `null` when the backend did not say (the original walk-through's backend sent only `message`). */
  readonly servedBy: ServedBy | null;
}

/** Why the call failed; `reason` is a human-readable detail for the server log. */
export type BackendFailureKind = "timeout" | "network" | "http-status" | "invalid-body";

export type BackendMessageResult =
  | { readonly ok: true; readonly url: string; readonly data: BackendMessage }
  | {
      readonly ok: false;
      readonly url: string;
      readonly kind: BackendFailureKind;
      readonly reason: string;
    };

export interface FetchBackendMessageOptions {
  /**
   * Bound on the whole exchange, headers and body.
   * @default 3000 — well under the Service Connect proxy's 15 s request timeout, so a stuck backend
   * costs the visitor a few seconds rather than a hung page.
   */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 3000;

/** The path the backend serves its message on, appended to the base URL. */
export const MESSAGE_PATH = "/api/message";

/** Builds the message URL; a trailing slash on the base would otherwise double up. */
export function messageUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${MESSAGE_PATH}`;
}

/** Calls `GET <baseUrl>/api/message` and classifies the outcome. Never throws. */
export async function fetchBackendMessage(
  baseUrl: string,
  options: FetchBackendMessageOptions = {},
): Promise<BackendMessageResult> {
  const url = messageUrl(baseUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // One signal for headers and body: a backend that sends headers and then stalls is as slow as
  // one that never answers.
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { signal, headers: { accept: "application/json" } });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) {
      return {
        ok: false,
        url,
        kind: "timeout",
        reason: `no complete answer within ${timeoutMs} ms`,
      };
    }
    return { ok: false, url, kind: "network", reason: describeError(error) };
  }

  if (!response.ok) {
    return {
      ok: false,
      url,
      kind: "http-status",
      reason: `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 200)}`.trim(),
    };
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { ok: false, url, kind: "invalid-body", reason: `not JSON: ${describeError(error)}` };
  }
  const data = parseBackendMessage(body);
  if (data === null) {
    return {
      ok: false,
      url,
      kind: "invalid-body",
      reason: `expected {"message": string, "servedBy"?: object}, got ${text.slice(0, 200)}`,
    };
  }
  return { ok: true, url, data };
}

/**
 * Validates a decoded body. Unknown `servedBy` fields are dropped and absent ones left out, so the
 * result is plain JSON that Next can serialise into page props (it rejects `undefined`).
 */
export function parseBackendMessage(body: unknown): BackendMessage | null {
  if (!isRecord(body) || typeof body.message !== "string") return null;
  if (body.servedBy === undefined || body.servedBy === null) {
    return { message: body.message, servedBy: null };
  }
  if (!isRecord(body.servedBy)) return null;
  const source = body.servedBy;
  const servedBy: {
    taskId?: string;
    taskArn?: string;
    availabilityZone?: string;
    hostname?: string;
    pid?: number;
  } = {};
  for (const key of ["taskId", "taskArn", "availabilityZone", "hostname"] as const) {
    const value = source[key];
    if (typeof value === "string") servedBy[key] = value;
  }
  if (typeof source.pid === "number") servedBy.pid = source.pid;
  return { message: body.message, servedBy };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** undici hides the socket error (ECONNREFUSED, ENOTFOUND…) in `cause`; surface it for the log. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${error.message}: ${code ? `${code} ` : ""}${cause.message}`;
  }
  return error.message;
}
