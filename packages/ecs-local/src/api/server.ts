import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isDashboardPath, serveDashboard } from "../dashboard/dashboard-routes.js";
import { EcsLocalError } from "../errors.js";
import type { ControlPlaneView } from "./control-plane-view.js";
import { isLoopbackHost } from "./loopback-host.js";

/**
 * The control plane's HTTP API for the CLI and the dashboard (`/`, see dashboard/), on
 * 127.0.0.1 only: a task's network namespace has its own loopback, so no container can reach
 * it. Task metadata is served per task instead (api/task-metadata.ts).
 */
export class ApiServer {
  readonly #view: ControlPlaneView;
  readonly #servers: Server[] = [];

  constructor(view: ControlPlaneView) {
    this.#view = view;
  }

  /** Listens on loopback (port 0 = any); returns the API URL. */
  async start(options: { port: number }): Promise<string> {
    const tcp = createServer((req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((error: unknown) => sendError(res, error));
    });
    this.#servers.push(tcp);
    await listen(tcp, () => tcp.listen(options.port, "127.0.0.1"));
    const { port } = tcp.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      ),
    );
    this.#servers.length = 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLoopbackHost(req.headers.host)) {
      res.writeHead(421, { "content-type": "text/plain; charset=utf-8" });
      res.end(`ecs-local answers at http://127.0.0.1:<port>/ only, not as ${req.headers.host}.\n`);
      return;
    }
    const url = new URL(req.url ?? "/", "http://ecs-local");
    const parts = url.pathname.split("/").filter(Boolean);
    const method = req.method ?? "GET";

    if (method === "GET" && url.pathname === "/v1/status") {
      return sendJson(res, 200, this.#view.status());
    }
    if (method === "POST" && parts[0] === "v1" && parts[1] === "services" && parts[3] === "scale") {
      const body = (await readJson(req)) as { desiredCount?: unknown };
      if (typeof body.desiredCount !== "number") {
        return sendJson(res, 400, { error: 'body must be {"desiredCount": <number>}' });
      }
      return sendJson(
        res,
        200,
        this.#view.scale(decodeURIComponent(parts[2] ?? ""), body.desiredCount),
      );
    }
    if (
      method === "POST" &&
      parts[0] === "v1" &&
      parts[1] === "services" &&
      parts[3] === "deploy"
    ) {
      return sendJson(res, 200, this.#view.deploy(decodeURIComponent(parts[2] ?? "")));
    }
    if (method === "GET" && parts[0] === "v1" && parts[1] === "exec" && parts[2] !== undefined) {
      const container = url.searchParams.get("container") ?? undefined;
      return sendJson(res, 200, this.#view.execTarget(decodeURIComponent(parts[2]), container));
    }
    if (method === "GET" && url.pathname === "/v1/logs") {
      const filter = { service: url.searchParams.get("service") ?? undefined };
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      for (const line of this.#view.recentLogs(filter)) res.write(`${line}\n`);
      if (url.searchParams.get("follow") !== "1") return void res.end();
      const unsubscribe = this.#view.followLogs(filter, (line) => res.write(`${line}\n`));
      res.on("close", unsubscribe);
      return;
    }
    if (method === "GET" && url.pathname === "/v1/events") {
      const filter = { service: url.searchParams.get("service") ?? undefined };
      const events = this.#view.events(filter);
      if (url.searchParams.get("follow") !== "1") return sendJson(res, 200, events);
      // One JSON event per line, the history first, then each new one as it happens.
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      for (const event of events) res.write(`${JSON.stringify(event)}\n`);
      const unsubscribe = this.#view.followEvents(filter, (event) =>
        res.write(`${JSON.stringify(event)}\n`),
      );
      res.on("close", unsubscribe);
      return;
    }
    if (method === "GET" && url.pathname === "/v1/usage") {
      return sendJson(res, 200, this.#view.usage());
    }
    if (method === "GET" && url.pathname === "/v1/traffic") {
      return sendJson(res, 200, this.#view.traffic());
    }
    if (method === "GET" && url.pathname === "/v1/timeline") {
      return sendJson(res, 200, this.#view.timeline());
    }
    if (method === "GET" && url.pathname === "/metrics") {
      // Prometheus's text exposition format, version 0.0.4.
      const text = await this.#view.metrics();
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      return void res.end(text);
    }
    if (method === "GET" && isDashboardPath(url.pathname)) {
      // The dashboard: its page and assets, and its live feed (Server-Sent Events).
      return serveDashboard(this.#view, req, res, url.pathname);
    }
    if (method === "POST" && url.pathname === "/v1/down") {
      sendJson(res, 202, { stopping: true });
      void this.#view.shutdown("ecs-local down");
      return;
    }
    sendJson(res, 404, { error: `no route ${method} ${url.pathname}` });
  }
}

function listen(server: Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      resolve();
    });
    start();
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
  } catch {
    return {};
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: unknown): void {
  const known = error instanceof EcsLocalError;
  const status = known ? 400 : 500;
  const body = {
    error: error instanceof Error ? error.message : String(error),
    code: known ? error.code : undefined,
  };
  if (res.headersSent) return void res.end();
  sendJson(res, status, body);
}
