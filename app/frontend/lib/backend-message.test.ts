import assert from "node:assert/strict";
import { test } from "node:test";
import { json, listen, raw, slow, unusedPort } from "../test/local-server";
import { fetchBackendMessage, messageUrl, parseBackendMessage } from "./backend-message";

const TASK = {
  taskId: "0123456789abcdef0123456789abcdef",
  taskArn: "arn:aws:ecs:us-east-1:123456789012:task/demo/0123456789abcdef0123456789abcdef",
  availabilityZone: "us-east-1a",
};

test("returns the message and the task that served it", async (t) => {
  let path: string | undefined;
  const base = await listen(t, (request, response) => {
    path = request.url;
    json(200, { message: "Hello from Fastify!", servedBy: TASK })(request, response);
  });

  const result = await fetchBackendMessage(base);

  assert.equal(path, "/api/message");
  assert.deepEqual(result, {
    ok: true,
    url: `${base}/api/message`,
    data: { message: "Hello from Fastify!", servedBy: TASK },
  });
});

test("accepts the hostname/pid form of servedBy and a base URL with a trailing slash", async (t) => {
  const base = await listen(
    t,
    json(200, { message: "hi", servedBy: { hostname: "box", pid: 42, extra: true } }),
  );

  const result = await fetchBackendMessage(`${base}/`);

  assert.ok(result.ok);
  assert.deepEqual(result.data, { message: "hi", servedBy: { hostname: "box", pid: 42 } });
});

test("a backend slower than the timeout fails within about the timeout", async (t) => {
  const base = await listen(t, slow(2_000, json(200, { message: "too late" })));

  const started = performance.now();
  const result = await fetchBackendMessage(base, { timeoutMs: 200 });
  const elapsed = performance.now() - started;

  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.kind, "timeout");
  assert.ok(elapsed >= 150 && elapsed < 1_500, `took ${elapsed.toFixed(0)} ms`);
});

test("a backend that sends headers and then stalls the body also times out", async (t) => {
  const base = await listen(t, (_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.write('{"message":');
  });

  const result = await fetchBackendMessage(base, { timeoutMs: 200 });

  assert.equal(!result.ok && result.kind, "timeout");
});

test("connection refused is a network failure naming the socket error", async () => {
  const port = await unusedPort();

  const result = await fetchBackendMessage(`http://127.0.0.1:${port}`, { timeoutMs: 2_000 });

  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.kind, "network");
  assert.match(!result.ok ? result.reason : "", /ECONNREFUSED/);
});

test("a non-2xx answer fails with the status", async (t) => {
  const base = await listen(t, json(503, { error: "no healthy upstream" }));

  const result = await fetchBackendMessage(base);

  assert.equal(!result.ok && result.kind, "http-status");
  assert.match(!result.ok ? result.reason : "", /HTTP 503/);
});

test("malformed JSON fails as an invalid body", async (t) => {
  const base = await listen(t, raw(200, "{not json"));

  const result = await fetchBackendMessage(base);

  assert.equal(!result.ok && result.kind, "invalid-body");
});

test("JSON of the wrong shape fails as an invalid body", async (t) => {
  const base = await listen(t, json(200, { msg: "typo" }));

  const result = await fetchBackendMessage(base);

  assert.equal(!result.ok && result.kind, "invalid-body");
});

test("an unusable base URL is a failure, not an exception", async () => {
  const result = await fetchBackendMessage("not a url");

  assert.equal(!result.ok && result.kind, "network");
});

test("parseBackendMessage", async (t) => {
  const cases: ReadonlyArray<readonly [string, unknown, ReturnType<typeof parseBackendMessage>]> = [
    ["message only", { message: "m" }, { message: "m", servedBy: null }],
    ["servedBy null", { message: "m", servedBy: null }, { message: "m", servedBy: null }],
    [
      "mistyped fields dropped",
      { message: "m", servedBy: { pid: "1" } },
      { message: "m", servedBy: {} },
    ],
    ["servedBy not an object", { message: "m", servedBy: "x" }, null],
    ["message not a string", { message: 1 }, null],
    ["array", [], null],
    ["null", null, null],
  ];
  for (const [name, body, expected] of cases) {
    await t.test(name, () => assert.deepEqual(parseBackendMessage(body), expected));
  }
});

test("messageUrl keeps a path prefix on the base", () => {
  assert.equal(messageUrl("http://h:5000/prefix//"), "http://h:5000/prefix/api/message");
});
