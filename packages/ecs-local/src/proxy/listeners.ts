/**
 * Listening and draining, shared by every sidecar listener: stop accepting, let open
 * connections finish, and cut whatever is left when the drain time is up.
 */
import { lstat, unlink } from "node:fs/promises";
import http from "node:http";
import type net from "node:net";

export type ListenAddress =
  | { readonly path: string }
  | { readonly host: string; readonly port: number };

/** A listening server and the connections it has open. */
export interface Listener {
  readonly name: string;
  readonly server: net.Server;
  readonly sockets: ReadonlySet<net.Socket>;
}

/** Starts listening; resolves once bound, rejects with the bind error (EADDRINUSE, EACCES…). */
export async function listen(
  name: string,
  server: net.Server,
  address: ListenAddress,
): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  if ("path" in address) await removeStaleSocket(address.path);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once("error", onError);
    const done = (): void => {
      server.removeListener("error", onError);
      resolve();
    };
    if ("path" in address) server.listen(address.path, done);
    else server.listen(address.port, address.host, done);
  });
  return { name, server, sockets };
}

/**
 * Stops accepting and waits for open connections to end, destroying the rest after
 * `drainMs`. Idle HTTP keep-alive connections are closed at once: they carry no request.
 */
export async function drain(listener: Listener, drainMs: number): Promise<void> {
  const { server, sockets } = listener;
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  if (server instanceof http.Server) server.closeIdleConnections();
  const timer = setTimeout(() => {
    for (const s of sockets) s.destroy();
  }, drainMs);
  await closed;
  clearTimeout(timer);
}

// A socket file left by a killed sidecar would make listen fail with EADDRINUSE.
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch {
    // absent: nothing to remove
  }
}
