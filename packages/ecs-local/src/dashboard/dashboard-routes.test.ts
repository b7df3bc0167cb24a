/**
 * The dashboard's routes on the real API server (port 0), fed by a stand-in control plane:
 * the page and its bundled assets, the refusal of non-loopback Host names, and the stream's
 * snapshot and live messages.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import type {
  ControlPlaneView,
  ExecTarget,
  RunEvent,
  RunStatus,
  ServiceStatus,
} from "../api/control-plane-view.js";
import { isLoopbackHost } from "../api/loopback-host.js";
import { ApiServer } from "../api/server.js";
import type { StreamMessage } from "./messages.js";

function service(desiredCount: number): ServiceStatus {
  return {
    name: "api",
    desiredCount,
    runningCount: 1,
    healthyCount: 1,
    aliases: ["api.local:8000"],
    tasks: [],
    events: [],
    cloudMap: [{ discoveryName: "api", instances: 1 }],
    deployments: [],
  };
}

/** A control plane that holds a status the test changes, and hands out events on demand. */
class StandIn implements ControlPlaneView {
  desired = 1;
  readonly eventListeners = new Set<(event: RunEvent) => void>();
  readonly logListeners = new Set<(line: string) => void>();

  status(): RunStatus {
    return {
      stackName: "Stack",
      timeScale: 10,
      resources: "/proc sums (no limits)",
      services: [service(this.desired)],
      listeners: [],
      notEmulated: [],
    };
  }
  scale(): ServiceStatus {
    throw new Error("not used");
  }
  deploy(): ServiceStatus {
    throw new Error("not used");
  }
  execTarget(): ExecTarget {
    throw new Error("not used");
  }
  followLogs(_filter: { service?: string }, onLine: (line: string) => void): () => void {
    this.logListeners.add(onLine);
    return () => this.logListeners.delete(onLine);
  }
  recentLogs(): string[] {
    return ["api/t1 | started"];
  }
  events(): RunEvent[] {
    return [{ at: new Date(0).toISOString(), service: "api", kind: "service", message: "old" }];
  }
  followEvents(_filter: { service?: string }, onEvent: (event: RunEvent) => void): () => void {
    this.eventListeners.add(onEvent);
    return () => this.eventListeners.delete(onEvent);
  }
  usage() {
    return [];
  }
  traffic() {
    return { at: new Date().toISOString(), windowSeconds: 5, edges: [] };
  }
  timeline() {
    return {
      services: [
        {
          name: "api",
          targets: {},
          points: [{ at: new Date().toISOString(), desired: 1, running: 1, policies: {} }],
        },
      ],
    };
  }
  async metrics(): Promise<string> {
    return "";
  }
  async shutdown(): Promise<void> {}
}

/** GET with a chosen Host header (fetch does not let one set it). */
function get(url: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        headers: host === undefined ? {} : { host },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers["content-type"]),
            body,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Reads Server-Sent Events from the stream until `done` says so. */
async function readStream(
  url: string,
  done: (messages: StreamMessage[]) => boolean,
  onMessage: (message: StreamMessage) => void = () => {},
): Promise<StreamMessage[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const messages: StreamMessage[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = response.body?.getReader();
  assert.ok(reader);
  try {
    while (!done(messages)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split("\n").find((line) => line.startsWith("data: "));
        if (data === undefined) continue;
        const message = JSON.parse(data.slice("data: ".length)) as StreamMessage;
        messages.push(message);
        onMessage(message);
      }
    }
  } finally {
    controller.abort();
  }
  return messages;
}

describe("the dashboard on the API server", () => {
  const view = new StandIn();
  const server = new ApiServer(view);
  let url = "";
  before(async () => {
    url = await server.start({ port: 0 });
  });
  after(() => server.close());

  test("GET / is the page, and its script and style are bundled and served from here", async () => {
    const page = await get(`${url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.type, "text/html; charset=utf-8");
    assert.match(page.body, /<script type="module" src="\/assets\/dashboard\.js">/);
    const script = await get(`${url}/assets/dashboard.js`);
    assert.equal(script.status, 200);
    assert.equal(script.type, "text/javascript; charset=utf-8");
    assert.ok(script.body.length > 10_000, "Preact and uPlot are in the bundle");
    assert.doesNotMatch(script.body, /https?:\/\/(?!www\.w3\.org)[a-z]/, "no address to fetch");
    const style = await get(`${url}/assets/dashboard.css`);
    assert.equal(style.status, 200);
    assert.match(style.body, /\.uplot/);
    assert.equal((await get(`${url}/assets/nothing.js`)).status, 404);
  });

  test("a Host other than a loopback name is refused (DNS rebinding)", async () => {
    const refused = await get(`${url}/`, "dashboard.example.com");
    assert.equal(refused.status, 421);
    assert.equal((await get(`${url}/v1/stream`, "evil.test:80")).status, 421);
    assert.equal((await get(`${url}/v1/status`, "evil.test:80")).status, 421, "the API too");
  });

  test("the stream starts with a snapshot, then sends changes as they happen", async () => {
    let changedAt = 0;
    const messages = await readStream(
      `${url}/v1/stream`,
      (received) =>
        received.some((m) => m.type === "status" && m.status.services[0]?.desiredCount === 3),
      (message) => {
        // Once the snapshot is in, a change of status with an event, as a scale would make.
        if (message.type === "logs" && message.reset) {
          view.desired = 3;
          changedAt = Date.now();
          for (const listener of view.eventListeners) {
            listener({
              at: new Date().toISOString(),
              service: "api",
              kind: "service",
              message: "new",
            });
          }
          for (const listener of view.logListeners) listener("api/t1 | live");
        }
      },
    );
    const latency = Date.now() - changedAt;
    assert.deepEqual(
      messages.slice(0, 6).map((m) => m.type),
      ["status", "usage", "traffic", "timeline", "events", "logs"],
    );
    const events = messages.filter((m) => m.type === "events");
    assert.deepEqual(
      events.map((m) => [m.reset, m.events.map((e) => e.message)]),
      [
        [true, ["old"]],
        [false, ["new"]],
      ],
    );
    assert.ok(
      latency < 200,
      `the change arrived with its event, not at the next tick (${latency} ms)`,
    );
    assert.equal(view.eventListeners.size, 1, "still subscribed while the stream is open");
  });

  test("a closed stream unsubscribes from events and logs", async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(view.eventListeners.size, 0);
    assert.equal(view.logListeners.size, 0);
  });
});

test("isLoopbackHost", () => {
  for (const host of ["127.0.0.1:4000", "127.0.0.1", "localhost:80", "[::1]:4000"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of [undefined, "", "127.0.0.1.evil.test:4000", "example.com", "[::2]:1"]) {
    assert.ok(!isLoopbackHost(host), String(host));
  }
});
