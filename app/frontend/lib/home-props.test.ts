import assert from "node:assert/strict";
import { test } from "node:test";
import { json, listen, raw, slow, unusedPort } from "../test/local-server";
import { FETCH_FAILED_TEXT, getHomeServerSideProps, loadHomeProps } from "./home-props";

test("props carry the backend's message and servedBy", async (t) => {
  const servedBy = { taskId: "abc123", taskArn: "arn:task/abc123", availabilityZone: "eu-west-1b" };
  const backendUrl = await listen(t, json(200, { message: "Hello from Fastify!", servedBy }));

  const props = await loadHomeProps({ backendUrl, logError: assert.fail });

  assert.deepEqual(props, { state: "ok", message: "Hello from Fastify!", servedBy });
});

test("a slow backend gives the error props within about the timeout and logs the cause", async (t) => {
  const backendUrl = await listen(t, slow(2_000, json(200, { message: "too late" })));
  const logged: string[] = [];

  const started = performance.now();
  const props = await loadHomeProps({
    backendUrl,
    timeoutMs: 200,
    logError: (m) => logged.push(m),
  });
  const elapsed = performance.now() - started;

  assert.deepEqual(props, { state: "error", error: FETCH_FAILED_TEXT });
  assert.equal(FETCH_FAILED_TEXT, "Failed to fetch data");
  assert.ok(elapsed < 1_500, `took ${elapsed.toFixed(0)} ms`);
  assert.equal(logged.length, 1);
  assert.ok(logged[0]?.includes(`${backendUrl}/api/message`), logged[0]);
  assert.match(logged[0] ?? "", /timeout/);
});

test("connection refused gives the error props and logs the URL and reason", async () => {
  const backendUrl = `http://127.0.0.1:${await unusedPort()}`;
  const logged: string[] = [];

  const props = await loadHomeProps({ backendUrl, logError: (m) => logged.push(m) });

  assert.deepEqual(props, { state: "error", error: FETCH_FAILED_TEXT });
  assert.match(logged[0] ?? "", new RegExp(`${backendUrl}/api/message.*ECONNREFUSED`));
});

test("non-2xx and malformed JSON give the error props", async (t) => {
  const cases = [
    ["500", json(500, { message: "boom" })],
    ["malformed", raw(200, "{")],
  ] as const;
  for (const [name, handler] of cases) {
    await t.test(name, async (t) => {
      const backendUrl = await listen(t, handler);
      const props = await loadHomeProps({ backendUrl, logError: () => {} });
      assert.deepEqual(props, { state: "error", error: FETCH_FAILED_TEXT });
    });
  }
});

test("getServerSideProps reads BACKEND_URL at request time", async (t) => {
  const backendUrl = await listen(
    t,
    json(200, { message: "from env", servedBy: { hostname: "h", pid: 1 } }),
  );
  const previous = process.env.BACKEND_URL;
  process.env.BACKEND_URL = backendUrl;
  t.after(() => {
    if (previous === undefined) delete process.env.BACKEND_URL;
    else process.env.BACKEND_URL = previous;
  });

  // The context is unused by the implementation; a full Next request context is not needed.
  const result = await getHomeServerSideProps({} as Parameters<typeof getHomeServerSideProps>[0]);

  assert.deepEqual(result, {
    props: { state: "ok", message: "from env", servedBy: { hostname: "h", pid: 1 } },
  });
});
