/**
 * A CDK app written as a new user would: a Node frontend built with `npm install && npm run
 * build` and started with `npm run start`, and a Flask backend installed from
 * requirements.txt. ecs-local must run it unchanged.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { downAndVerify, freePort, get } from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const POLYGLOT_APP = fileURLToPath(new URL("./fixtures/polyglot-app", import.meta.url));

test("the polyglot app runs: Node web → api.local:5000 → Flask", {
  timeout: 300_000,
}, async (t) => {
  const port = await freePort();
  const { up, stateDir } = startRun(t, "ecs-local-polyglot-", [
    "--app",
    POLYGLOT_APP,
    "--listener-port",
    `80=${port}`,
  ]);
  await up.waitFor(/all services healthy/, 240_000);
  assert.match(
    up.output,
    /skipped `apt-get update && apt-get install -y curl`: the host must provide curl/,
  );

  const page = await get(`http://127.0.0.1:${port}/`);
  assert.equal(page.status, 200);
  assert.match(page.body, /Hello from Flask/);

  await downAndVerify(up, stateDir);
});
