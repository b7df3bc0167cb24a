import assert from "node:assert/strict";
import { test } from "node:test";
import { spawnBackend } from "./test-fixtures/child-process.js";
import { get } from "./test-fixtures/http-client.js";

test("server.ts listens on HOST/PORT and serves over a real socket", async (t) => {
  const backend = spawnBackend(t, "src/server.ts", {
    HOST: "127.0.0.1",
    PORT: "0",
    MESSAGE: "from the env",
  });
  const url = await backend.listening();

  const message = await get(`${url}/api/message`, { headers: { origin: "http://localhost:3000" } });
  assert.equal(message.status, 200);
  assert.equal(message.headers["access-control-allow-origin"], "*");
  assert.equal(JSON.parse(message.body).message, "from the env");

  const health = await get(`${url}/healthcheck`);
  assert.equal(health.status, 200);
  assert.equal(health.body, "OK");

  const missing = await get(`${url}/x`);
  assert.equal(missing.status, 404);
  assert.deepEqual(JSON.parse(missing.body), {
    error: "Not Found",
    message: "Route GET /x not found",
    statusCode: 404,
  });

  // pino JSON on stdout, one line per request.
  await backend.waitForLog((line) => line.url === "/x");
  const requestLines = backend.lines.filter((line) => line.msg === "request completed");
  assert.deepEqual(
    requestLines.map((line) => line.url),
    ["/api/message", "/healthcheck", "/x"],
  );

  backend.child.kill("SIGINT");
  assert.deepEqual(await backend.exited, { code: 0, signal: null });
});

test("a bad PORT exits 1 with a message naming the variable, value and range", async (t) => {
  const backend = spawnBackend(t, "src/server.ts", { PORT: "http" });
  assert.deepEqual(await backend.exited, { code: 1, signal: null });
  assert.match(
    backend.stderr(),
    /^backend: PORT="http" is invalid: expected an integer from 0 to 65535/m,
  );
});
