import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";

export interface StartServerOptions {
  /** Interface to bind, e.g. "0.0.0.0". */
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /**
   * Signals that start a graceful shutdown. @default ["SIGTERM", "SIGINT"]
   * SIGTERM is what ECS sends on StopTask and scale-in; SIGINT is Ctrl-C in development.
   */
  readonly signals?: readonly NodeJS.Signals[];
}

export interface RunningServer {
  /** The port actually bound (differs from the option when it was 0). */
  readonly port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish, then closes. Idempotent and
   * single-flight: a second signal, or a second call, waits for the same shutdown.
   */
  close(): Promise<void>;
}

/**
 * Listens, and turns SIGTERM/SIGINT into a graceful shutdown. Used by `server.ts` and by the
 * tests' fixtures so the drain the tests check is the drain production runs.
 *
 * After shutdown nothing holds the event loop, so the process exits 0 on its own; if closing
 * fails, `process.exitCode` is set to 1. Idle keep-alive connections are closed by Node's
 * `server.close()` (Fastify 5's default `forceCloseConnections: "idle"`); connections with a
 * request in flight are closed once that response is sent (see the onSend hook below).
 *
 * Call it before the app is ready (it adds a hook), i.e. instead of `app.listen()`.
 */
export async function startServer(
  app: FastifyInstance,
  options: StartServerOptions,
): Promise<RunningServer> {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  let closing: Promise<void> | undefined;

  // Node's server.close() closes only the keep-alive connections idle at that moment. A
  // connection busy at shutdown would go back to idle after its response and stay open for
  // keepAliveTimeout (72 s in Fastify), past ECS's 30 s stopTimeout, so the task would be
  // SIGKILLed. Responses sent while closing therefore say `Connection: close`.
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing !== undefined) reply.header("connection", "close");
    return payload;
  });

  await app.listen({ host: options.host, port: options.port });
  const { port } = app.server.address() as AddressInfo;

  const close = (): Promise<void> => {
    closing ??= app.close().then(
      () => app.log.info("shutdown complete"),
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exitCode = 1;
      },
    );
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    app.log.info({ signal }, "shutting down: no new connections, draining in-flight requests");
    void close();
  };
  // Handlers stay installed after the first signal: removing them would let a second SIGTERM
  // kill the process mid-drain with Node's default action.
  for (const signal of signals) process.on(signal, onSignal);

  return { port, close };
}
