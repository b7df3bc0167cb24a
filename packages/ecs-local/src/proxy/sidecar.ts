/**
 * The Service Connect agent of one task: ingress sockets, egress listeners per client alias,
 * the task metadata endpoint, all fed by the endpoints file. It never calls the control plane
 * on the data path, so traffic keeps flowing while the control plane stalls.
 */
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { EndpointsWatcher } from "./endpoints-watcher.js";
import { createHttpEgressServer } from "./http-egress.js";
import { createIngressServer } from "./ingress.js";
import { drain, type Listener, listen } from "./listeners.js";
import { createMetadataServer } from "./metadata-proxy.js";
import { installRedirects, type Redirect } from "./redirects.js";
import type { SidecarConfig } from "./sidecar-config.js";
import { createTcpEgressServer } from "./tcp-egress.js";
import { UpstreamPool } from "./upstream-pool.js";

export class Sidecar {
  readonly #config: SidecarConfig;
  readonly #log: Logger;
  readonly #pool = new UpstreamPool();
  readonly #watcher: EndpointsWatcher;
  readonly #listeners: Listener[] = [];
  #draining = false;
  #started: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(config: SidecarConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.#watcher = new EndpointsWatcher({
      file: config.endpointsFile,
      log,
      onChange: (snapshot) => {
        // Pools of tasks that left (stopping, unhealthy) close, so those tasks can drain.
        const live = new Set(
          [...snapshot.services.values()].flatMap((list) => list.map((e) => e.socketPath)),
        );
        this.#pool.retainOnly(live);
      },
    });
  }

  /** Reads the endpoints and binds every listener. Idempotent; on failure nothing stays bound. */
  start(): Promise<void> {
    this.#started ??= this.#start().catch(async (err) => {
      await this.close(0);
      throw err;
    });
    return this.#started;
  }

  async #start(): Promise<void> {
    const config = this.#config;
    await this.#watcher.start();
    const add = (l: Listener): void => {
      this.#listeners.push(l);
      // A stop that arrived while binding must not leave this listener open.
      if (this.#closing) void drain(l, 0);
    };
    for (const ing of config.ingress) {
      const log = this.#log.child({ listener: "ingress", portName: ing.portName });
      add(
        await listen(`ingress ${ing.portName}`, createIngressServer(ing, log), {
          path: ing.socketPath,
        }),
      );
    }
    // Listeners bind ephemeral loopback ports; netfilter sends the alias addresses there.
    const redirects: Redirect[] = [];
    for (const eg of config.egress) {
      const log = this.#log.child({ listener: "egress", discoveryName: eg.discoveryName });
      const endpoints = () => this.#watcher.endpoints(eg.discoveryName);
      const server =
        eg.protocol === "http"
          ? createHttpEgressServer({
              config: eg,
              endpoints,
              pool: this.#pool,
              log,
              draining: () => this.#draining,
            })
          : createTcpEgressServer({ config: eg, endpoints, log });
      const bound = await listen(`egress ${eg.discoveryName} ${eg.address}:${eg.port}`, server, {
        host: "127.0.0.1",
        port: 0,
      });
      add(bound);
      redirects.push({ address: eg.address, port: eg.port, toPort: portOf(bound) });
    }
    if (config.metadata) {
      const md = config.metadata;
      const server = createMetadataServer(md, this.#log.child({ listener: "metadata" }));
      const bound = await listen("task metadata", server, { host: "127.0.0.1", port: 0 });
      add(bound);
      redirects.push({ address: md.listenAddress, port: md.listenPort, toPort: portOf(bound) });
    }
    await installRedirects(redirects);
    this.#log.info({ listeners: this.#listeners.map((l) => l.name) }, "sidecar ready");
  }

  /**
   * Stops accepting everywhere, lets in-flight traffic finish for up to `drainMs`, then cuts
   * the rest. Idempotent and single-flight.
   */
  close(drainMs: number = this.#config.drainMs): Promise<void> {
    this.#closing ??= (async () => {
      this.#draining = true;
      this.#log.info({ drainMs, open: this.#openConnections() }, "draining");
      this.#pool.retireAll();
      await Promise.all(this.#listeners.map((l) => drain(l, drainMs)));
      await this.#watcher.close();
      this.#log.info("drained");
    })();
    return this.#closing;
  }

  #openConnections(): number {
    return this.#listeners.reduce((n, l) => n + l.sockets.size, 0);
  }
}

function portOf(listener: Listener): number {
  return (listener.server.address() as AddressInfo).port;
}
