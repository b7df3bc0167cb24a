/**
 * An HTTP client alias (Service Connect with appProtocol http): per request, pick an endpoint
 * and forward over its keep-alive pool. Each concern is its own unit: the picker
 * (round-robin.ts), the pools (upstream-pool.ts), one exchange (http-forward.ts); retries and
 * outlier ejection slot in here between picking and forwarding.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { Endpoint } from "./endpoints-file.js";
import { forwardHttp, sendProxyError } from "./http-forward.js";
import { RoundRobin } from "./round-robin.js";
import type { EgressConfig } from "./sidecar-config.js";
import type { UpstreamPool } from "./upstream-pool.js";

export interface HttpEgressOptions {
  readonly config: EgressConfig;
  readonly endpoints: () => readonly Endpoint[];
  readonly pool: UpstreamPool;
  readonly log: Logger;
  /** While true, responses close their connection so clients move off a stopping task. */
  readonly draining: () => boolean;
}

export function createHttpEgressServer(options: HttpEgressOptions): http.Server {
  const { config, pool, log } = options;
  const picker = new RoundRobin<Endpoint>();
  const server = http.createServer(async (req, res) => {
    if (options.draining()) res.shouldKeepAlive = false;
    const endpoint = picker.pick(options.endpoints());
    if (!endpoint) {
      log.warn(
        { discoveryName: config.discoveryName, method: req.method, url: req.url },
        "no healthy endpoint",
      );
      sendProxyError(res, 503, `no healthy endpoint for ${config.discoveryName}`);
      return;
    }
    const started = performance.now();
    const outcome = await forwardHttp(
      req,
      res,
      { socketPath: endpoint.socketPath, agent: pool.agent(endpoint.socketPath) },
      { timeoutMs: config.perRequestTimeoutMs, clientAddress: req.socket.remoteAddress },
    );
    const fields = {
      discoveryName: config.discoveryName,
      upstreamTask: endpoint.taskId,
      method: req.method,
      url: req.url,
      outcome: outcome.type,
      ms: Math.round(performance.now() - started),
    };
    switch (outcome.type) {
      case "response":
        log.debug({ ...fields, status: outcome.statusCode, complete: outcome.complete }, "request");
        break;
      case "connect-failed":
      case "upstream-failed":
        log.warn({ ...fields, err: outcome.error }, "upstream failed");
        sendProxyError(
          res,
          502,
          `upstream ${config.discoveryName} (${endpoint.taskId}) failed: ${outcome.error.message}`,
        );
        break;
      case "timeout":
        log.warn(fields, "per-request timeout");
        sendProxyError(
          res,
          504,
          `upstream ${config.discoveryName} timed out after ${config.perRequestTimeoutMs} ms`,
        );
        break;
      case "client-gone":
        log.debug(fields, "client went away");
        break;
    }
    if (options.draining()) server.closeIdleConnections();
  });
  // Service Connect's idle timeout is the time a connection may sit between requests.
  server.keepAliveTimeout = config.idleTimeoutMs;
  // The per-request timeout governs requests, not Node's 300 s default for receiving one.
  server.requestTimeout = 0;
  return server;
}
