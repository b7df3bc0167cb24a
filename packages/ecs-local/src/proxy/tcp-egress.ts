/**
 * A TCP client alias: each connection goes to the next endpoint (round robin) and bytes pass
 * through unchanged. With no endpoint the connection is closed at once, as Envoy does.
 */
import net from "node:net";
import type { Logger } from "pino";
import type { Endpoint } from "./endpoints-file.js";
import { RoundRobin } from "./round-robin.js";
import type { EgressConfig } from "./sidecar-config.js";
import { relay } from "./socket-pipe.js";

export interface TcpEgressOptions {
  readonly config: EgressConfig;
  readonly endpoints: () => readonly Endpoint[];
  readonly log: Logger;
}

export function createTcpEgressServer(options: TcpEgressOptions): net.Server {
  const { config, log } = options;
  const picker = new RoundRobin<Endpoint>();
  return net.createServer({ allowHalfOpen: true }, (client) => {
    const endpoint = picker.pick(options.endpoints());
    if (!endpoint) {
      log.warn({ discoveryName: config.discoveryName }, "no endpoint; closing tcp connection");
      client.destroy();
      return;
    }
    const upstream = net.connect({ path: endpoint.socketPath, allowHalfOpen: true });
    upstream.once("error", (err) =>
      log.warn(
        { err, discoveryName: config.discoveryName, upstreamTask: endpoint.taskId },
        "tcp upstream failed",
      ),
    );
    relay(client, upstream, config.idleTimeoutMs);
  });
}
