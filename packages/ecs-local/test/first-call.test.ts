/**
 * A container's very first instruction may call a Service Connect alias, with no retry: its
 * task's sidecar is ready (listeners bound, redirects installed) before any container starts.
 * Twenty task starts in a row, in rounds of five, must all get through.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { cli, downAndVerify, waitUntil } from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const FIRST_CALL_APP = fileURLToPath(new URL("./fixtures/first-call-app", import.meta.url));
const ROUNDS = 4;
const PER_ROUND = 5;

test("a client's first call to its alias succeeds on 20 task starts in a row", {
  timeout: 400_000,
}, async (t) => {
  const { up, stateDir } = startRun(t, "ecs-local-first-call-", ["--app", FIRST_CALL_APP]);
  await up.waitFor(/all services healthy/, 240_000);

  const outcomes = async () => {
    const logs = await cli(stateDir, ["logs", "client"]);
    const byTask = new Map<string, string>();
    for (const match of logs.stdout.matchAll(/^client\/(\w{8}) client \| (FIRST-CALL-\w+)$/gm)) {
      byTask.set(match[1] as string, match[2] as string);
    }
    return byTask;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    await waitUntil(
      async () => ((await outcomes()).size >= round * PER_ROUND ? true : undefined),
      60_000,
      `round ${round}: ${PER_ROUND} client tasks to make their first call`,
    );
    if (round === ROUNDS) break;
    assert.equal((await cli(stateDir, ["scale", "client", "0"])).code, 0);
    await waitUntil(
      async () => {
        const ps = await cli(stateDir, ["ps"]);
        return /^client {2}desired 0 {2}running 0/m.test(ps.stdout) ? true : undefined;
      },
      60_000,
      "the client tasks to stop",
    );
    assert.equal((await cli(stateDir, ["scale", "client", String(PER_ROUND)])).code, 0);
  }
  const results = [...(await outcomes()).values()];
  assert.equal(results.length, ROUNDS * PER_ROUND);
  assert.deepEqual(
    results.filter((r) => r !== "FIRST-CALL-OK"),
    [],
    `every first call got through (${results.length} task starts)`,
  );
  await downAndVerify(up, stateDir);
});
