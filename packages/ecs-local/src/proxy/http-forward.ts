/**
 * Forwards one HTTP request to one upstream unix socket, streaming bodies both ways. It
 * reports what happened instead of answering errors itself, so the caller (and later a retry
 * policy or outlier detector) decides what a failure means.
 */
import http from "node:http";
import { pipeline } from "node:stream";

export interface ForwardTarget {
  readonly socketPath: string;
  readonly agent: http.Agent;
}

export interface ForwardOptions {
  /** Time for the whole exchange, until the response body ends. 0 disables. */
  readonly timeoutMs: number;
  /** Appended to `x-forwarded-for`; omit to forward the header unchanged. */
  readonly clientAddress?: string;
  /** Headers the proxy itself adds (an ALB sets `x-forwarded-proto` and `-port`). */
  readonly addHeaders?: Readonly<Record<string, string>>;
}

export type ForwardOutcome =
  /**
   * The upstream answered and the response was relayed (`complete` false if cut off midway);
   * `headersMs`: from sending the request to the response's headers (an ALB's
   * TargetResponseTime), not to the end of its body.
   */
  | {
      readonly type: "response";
      readonly statusCode: number;
      readonly complete: boolean;
      readonly headersMs: number;
    }
  /** No connection to the upstream; nothing was sent to the client. */
  | { readonly type: "connect-failed"; readonly error: Error }
  /** The connection broke before response headers; nothing was sent to the client. */
  | { readonly type: "upstream-failed"; readonly error: Error }
  /** The timeout passed; `responded` says whether headers had already gone to the client. */
  | { readonly type: "timeout"; readonly responded: boolean }
  /** The client went away first. */
  | { readonly type: "client-gone" };

// RFC 9110 §7.6.1: meaningful only for one connection, never forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Copies headers minus hop-by-hop ones, including those the Connection header names. */
export function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== ""),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)) out[k] = v;
  }
  return out;
}

/** Relays `req` to the target and its response to `res`. Resolves when the exchange is over. */
export function forwardHttp(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: ForwardTarget,
  options: ForwardOptions,
): Promise<ForwardOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    // Set when the response's headers arrive, before any of it can reach the client.
    let headersMs = 0;
    let settled = false;
    const finish = (outcome: ForwardOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.removeListener("close", onClientClose);
      resolve(outcome);
    };

    const headers = endToEndHeaders(req.headers);
    if (options.clientAddress !== undefined) {
      const prior = req.headers["x-forwarded-for"];
      headers["x-forwarded-for"] = prior
        ? `${prior}, ${options.clientAddress}`
        : options.clientAddress;
    }
    Object.assign(headers, options.addHeaders);
    const upstream = http.request({
      socketPath: target.socketPath,
      agent: target.agent,
      method: req.method,
      path: req.url,
      headers,
    });

    let connected = false;
    upstream.on("socket", (socket) => {
      if (socket.connecting) socket.once("connect", () => (connected = true));
      else connected = true; // reused from the pool
    });
    upstream.on("error", (error) => {
      if (res.headersSent) {
        res.destroy(error);
        finish({
          type: "response",
          statusCode: res.statusCode,
          complete: false,
          headersMs,
        });
      } else {
        finish(connected ? { type: "upstream-failed", error } : { type: "connect-failed", error });
      }
    });
    upstream.on("response", (upRes) => {
      headersMs = performance.now() - started;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, endToEndHeaders(upRes.headers));
      pipeline(upRes, res, (err) => {
        finish({
          type: "response",
          statusCode: upRes.statusCode ?? 502,
          complete: err === undefined || err === null,
          headersMs,
        });
      });
    });

    const onClientClose = (): void => {
      if (res.writableFinished) return;
      upstream.destroy();
      finish({ type: "client-gone" });
    };
    res.on("close", onClientClose);

    const timer =
      options.timeoutMs > 0
        ? setTimeout(() => {
            const responded = res.headersSent;
            upstream.destroy();
            if (responded) res.destroy();
            finish({ type: "timeout", responded });
          }, options.timeoutMs)
        : undefined;

    // Stream the request body. Not `pipeline`: it would destroy the client's request (and its
    // socket) when the upstream fails, and then there would be no one to send the 502 to.
    req.pipe(upstream);
    req.on("error", () => upstream.destroy());
  });
}

/** Answers a proxy-generated error (503/502/504) unless a response already started. */
export function sendProxyError(res: http.ServerResponse, statusCode: number, text: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  res.writeHead(statusCode, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(text) + 1,
  });
  res.end(`${text}\n`);
}
