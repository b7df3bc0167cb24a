/**
 * The task metadata endpoint v4 at 169.254.170.2:80 inside the task, relayed unchanged to the
 * control plane's socket (the path names the container, as in ECS). Unlike the data path it
 * needs the control plane; when that is down callers get a 502, as on a broken agent in ECS.
 */
import http from "node:http";
import type { Logger } from "pino";
import { forwardHttp, sendProxyError } from "./http-forward.js";
import type { MetadataConfig } from "./sidecar-config.js";

const METADATA_TIMEOUT_MS = 10_000;

export function createMetadataServer(config: MetadataConfig, log: Logger): http.Server {
  const agent = new http.Agent({ keepAlive: true, timeout: 4_000 });
  return http.createServer(async (req, res) => {
    const outcome = await forwardHttp(
      req,
      res,
      { socketPath: config.upstreamSocketPath, agent },
      { timeoutMs: METADATA_TIMEOUT_MS },
    );
    if (outcome.type === "connect-failed" || outcome.type === "upstream-failed") {
      log.warn({ err: outcome.error, url: req.url }, "task metadata: control plane unreachable");
      sendProxyError(
        res,
        502,
        "task metadata unavailable: the ecs-local control plane did not answer",
      );
    } else if (outcome.type === "timeout") {
      sendProxyError(res, 504, "task metadata: the ecs-local control plane timed out");
    }
  });
}
