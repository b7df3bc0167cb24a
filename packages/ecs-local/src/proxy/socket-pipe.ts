/**
 * Byte-for-byte relaying between two connected sockets, with half-close passed through (a
 * client's FIN reaches the server, which may still answer) and an idle timeout.
 */
import type net from "node:net";

/** Relays until both directions end or either side fails; then both are destroyed. */
export function relay(client: net.Socket, upstream: net.Socket, idleTimeoutMs: number): void {
  const destroyBoth = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.pipe(upstream);
  upstream.pipe(client);
  client.on("error", destroyBoth);
  upstream.on("error", destroyBoth);
  // Fully closed on one side means nothing more can flow either way.
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
  if (idleTimeoutMs > 0) client.setTimeout(idleTimeoutMs, destroyBoth);
}
