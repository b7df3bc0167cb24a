import assert from "node:assert/strict";
import { hostname } from "node:os";
import { Writable } from "node:stream";
import { type TestContext, test } from "node:test";
import { type AppOptions, buildApp, DEFAULT_MESSAGE } from "./app.js";
import {
  closedPort,
  sampleTaskDocument,
  startMetadataServer,
} from "./test-fixtures/metadata-server.js";

/** An app with logging off unless asked for, closed after the test. */
function appFor(t: TestContext, options: AppOptions = {}) {
  const app = buildApp({ logger: false, ...options });
  t.after(() => app.close());
  return app;
}

/** Pino options that write JSON lines into an array instead of stdout. */
function capturedLogs(): { logger: AppOptions["logger"]; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) {
        if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: { level: "info", stream }, lines };
}

test("GET /healthcheck answers OK as text/plain", async (t) => {
  const response = await appFor(t).inject({ method: "GET", url: "/healthcheck" });
  assert.equal(response.statusCode, 200);
  assert.equal(response.body, "OK");
  assert.match(response.headers["content-type"] as string, /^text\/plain/);
});

test("GET /api/message answers the default message and the local identity", async (t) => {
  const response = await appFor(t).inject({ method: "GET", url: "/api/message" });
  assert.equal(response.statusCode, 200);
  assert.match(response.headers["content-type"] as string, /^application\/json/);
  assert.deepEqual(response.json(), {
    message: DEFAULT_MESSAGE,
    servedBy: { hostname: hostname(), pid: process.pid },
  });
  assert.equal(DEFAULT_MESSAGE, "Hello from Fastify!");
});

test("the message option overrides the text", async (t) => {
  const response = await appFor(t, { message: "Hi from test" }).inject("/api/message");
  assert.equal(response.json().message, "Hi from test");
});

test("CORS is open to every origin", async (t) => {
  const app = appFor(t);
  const simple = await app.inject({
    url: "/api/message",
    headers: { origin: "https://example.com" },
  });
  assert.equal(simple.headers["access-control-allow-origin"], "*");

  const preflight = await app.inject({
    method: "OPTIONS",
    url: "/api/message",
    headers: { origin: "https://example.com", "access-control-request-method": "GET" },
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "*");
});

test("unknown routes answer a JSON 404", async (t) => {
  const response = await appFor(t).inject({ method: "POST", url: "/nope?x=1" });
  assert.equal(response.statusCode, 404);
  assert.match(response.headers["content-type"] as string, /^application\/json/);
  assert.deepEqual(response.json(), {
    error: "Not Found",
    message: "Route POST /nope?x=1 not found",
    statusCode: 404,
  });
});

test("servedBy comes from the task metadata endpoint v4 when one is configured", async (t) => {
  const metadata = await startMetadataServer(t);
  const app = appFor(t, { taskIdentity: { metadataUri: metadata.uri } });

  const first = await app.inject("/api/message");
  const second = await app.inject("/api/message");

  assert.equal(first.statusCode, 200);
  assert.deepEqual(first.json().servedBy, {
    taskArn: sampleTaskDocument.TaskARN,
    taskId: "0b69d5c0d13a4d4c8a1b2c3d4e5f6a7b",
    availabilityZone: "us-east-1a",
  });
  assert.deepEqual(second.json(), first.json());
  assert.equal(metadata.requests.length, 1, "metadata is read once, then cached");
});

test("metadata endpoint down: the message still answers 200 and a warning is logged", async (t) => {
  const port = await closedPort();
  const logs = capturedLogs();
  const app = appFor(t, {
    logger: logs.logger,
    taskIdentity: { metadataUri: `http://127.0.0.1:${port}/v4/x` },
  });

  const response = await app.inject("/api/message");

  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json().servedBy, { hostname: hostname(), pid: process.pid });
  const warning = logs.lines.find((line) => line.level === 40);
  assert.ok(warning, "a warn-level line");
  assert.match(String(warning.msg), /task metadata unavailable.*ECONNREFUSED/);
});

test("one access-log line per request with method, url, statusCode and responseTime", async (t) => {
  const logs = capturedLogs();
  const app = appFor(t, { logger: logs.logger });

  await app.inject("/healthcheck");
  await app.inject("/missing");

  const requestLines = logs.lines.filter((line) => "reqId" in line);
  assert.equal(requestLines.length, 2, JSON.stringify(requestLines));
  assert.deepEqual(
    requestLines.map(({ method, url, statusCode, msg }) => ({ method, url, statusCode, msg })),
    [
      { method: "GET", url: "/healthcheck", statusCode: 200, msg: "request completed" },
      { method: "GET", url: "/missing", statusCode: 404, msg: "request completed" },
    ],
  );
  for (const line of requestLines) assert.equal(typeof line.responseTime, "number");
});
