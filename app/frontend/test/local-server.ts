import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

/** A real HTTP server on 127.0.0.1 and an ephemeral port, closed when the test ends. */
export async function listen(t: TestContext, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => close(server));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A port nothing listens on: bind one, then release it. Another process could take it in between,
 * but on a test machine that window is tiny and the failure would be loud, not silent.
 */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await close(server);
  return port;
}

/** Sends `body` as JSON with the given status. */
export function json(status: number, body: unknown): RequestListener {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
}

/** Sends raw `body` with a JSON content type, for bodies that are not valid JSON. */
export function raw(status: number, body: string): RequestListener {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(body);
  };
}

/**
 * Answers with `handler` after `ms`, unless the client hangs up first: the timer is cleared then,
 * so a test that gave up waiting does not keep the process alive for the rest of the delay.
 */
export function slow(ms: number, handler: RequestListener): RequestListener {
  return (request, response) => {
    const timer = setTimeout(() => handler(request, response), ms);
    response.on("close", () => clearTimeout(timer));
  };
}

async function close(server: Server): Promise<void> {
  // fetch keeps connections alive and slow handlers hold theirs open; drop them so close() returns.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
