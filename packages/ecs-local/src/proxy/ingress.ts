/**
 * The task's "network interface": a unix socket per port mapping that other tasks' sidecars
 * connect to, relayed byte for byte to the app on `127.0.0.1:<containerPort>` inside the task.
 * A socket file is reachable from any namespace, so tasks need no routed addresses.
 */
import net from "node:net";
import type { Logger } from "pino";
import type { IngressConfig } from "./sidecar-config.js";
import { relay } from "./socket-pipe.js";

export function createIngressServer(config: IngressConfig, log: Logger): net.Server {
  return net.createServer({ allowHalfOpen: true }, (client) => {
    const app = net.connect({ host: "127.0.0.1", port: config.containerPort, allowHalfOpen: true });
    app.once("error", (err) => {
      // Usually the app is not listening (yet, or any more); the caller sees a reset.
      log.debug(
        { err, portName: config.portName, containerPort: config.containerPort },
        "ingress connect failed",
      );
    });
    relay(client, app, 0);
  });
}
