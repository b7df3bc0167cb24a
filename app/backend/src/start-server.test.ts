import assert from "node:assert/strict";
import { Agent } from "node:http";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnBackend } from "./test-fixtures/child-process.js";
import { get, tryConnect } from "./test-fixtures/http-client.js";

test("SIGTERM drains an in-flight request, refuses new connections and exits 0", async (t) => {
  const backend = spawnBackend(t, "src/test-fixtures/slow-server.ts", { SLOW_MS: "600" });
  const url = await backend.listening();
  const port = Number(new URL(url).port);

  // An idle keep-alive connection must not hold the exit (Fastify's forceCloseConnections "idle").
  const idleAgent = new Agent({ keepAlive: true });
  t.after(() => idleAgent.destroy());
  assert.equal((await get(`${url}/healthcheck`, { agent: idleAgent })).status, 200);
  assert.equal(Object.values(idleAgent.freeSockets).flat().length, 1, "one idle socket held");

  // The in-flight request also rides a keep-alive connection, the harder case.
  const busyAgent = new Agent({ keepAlive: true });
  t.after(() => busyAgent.destroy());
  let slowDone = false;
  const slow = get(`${url}/slow`, { agent: busyAgent }).finally(() => {
    slowDone = true;
  });
  await backend.waitForLog((line) => line.msg === "slow request started");

  backend.child.kill("SIGTERM");
  await backend.waitForLog((line) => line.signal === "SIGTERM");

  // Listening stops at once, while the slow request is still being served.
  let refused = "";
  for (let attempt = 0; attempt < 50 && refused !== "ECONNREFUSED"; attempt++) {
    refused = await tryConnect(port);
    if (refused !== "ECONNREFUSED") await sleep(10);
  }
  assert.equal(refused, "ECONNREFUSED");
  assert.equal(slowDone, false, "new connections were refused before the drain finished");

  const response = await slow;
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(response.body), { done: true });

  const exit = await Promise.race([
    backend.exited,
    // Unref'd so a passing test does not keep the runner waiting out the 3 s.
    sleep(3000, undefined, { ref: false }).then(() => "still running 3 s after the last response"),
  ]);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(backend.lines.some((line) => line.msg === "shutdown complete"));
  assert.equal(await tryConnect(port), "ECONNREFUSED");
});

test("a second SIGTERM during the drain shares the first shutdown", async (t) => {
  const backend = spawnBackend(t, "src/test-fixtures/slow-server.ts", { SLOW_MS: "300" });
  const url = await backend.listening();

  const slow = get(`${url}/slow`);
  await backend.waitForLog((line) => line.msg === "slow request started");
  backend.child.kill("SIGTERM");
  await backend.waitForLog((line) => line.signal === "SIGTERM");
  backend.child.kill("SIGTERM");

  assert.equal((await slow).status, 200);
  assert.deepEqual(await backend.exited, { code: 0, signal: null });
  assert.equal(backend.lines.filter((line) => line.msg === "shutdown complete").length, 1);
});
