/**
 * Security groups decide Service Connect calls, end to end: in the fixture both services are
 * clients and servers of one namespace, and only frontend → backend:9000 is allowed. From
 * inside a backend task, a call to the frontend's alias is never answered: it fails after the
 * agent's connect timeouts (5 s each on AWS, 0.5 s at --time-scale 10), not at once, and the
 * run says once which rule is missing. The allowed call and the ALB keep working.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { NSENTER_FLAGS } from "../src/sandbox/host-tools.js";
import { runProcess } from "../src/sandbox/run-process.js";
import { downAndVerify, freePort, get, waitUntil } from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const APP = fileURLToPath(new URL("./fixtures/security-group-app", import.meta.url));

/** The agent's connect timeout at --time-scale 10, tried three times (two retries). */
const CONNECT_TIMEOUT_MS = 500;
const ATTEMPTS = 3;

const BLOCKED_MESSAGE =
  /security groups block backend → frontend on tcp\/8000: no ingress rule of frontendServiceSecurityGroup\w+ \(SecurityGroupStack\/frontendService\/SecurityGroup\/Resource\) allows it from backendServiceSecurityGroup\w+ or from a CIDR covering 10\.0\.0\.0\/16; if backend should reach frontend, add one in the CDK app \(connections\.allowFrom\)\./g;

test("a backend cannot call the frontend's alias: it times out and the run says why, once", {
  timeout: 400_000,
}, async (t) => {
  const port = await freePort();
  const { up, stateDir } = startRun(t, "ecs-local-sg-", [
    "--app",
    APP,
    "--listener-port",
    `80=${port}`,
  ]);
  await up.waitFor(/all services healthy/, 240_000);
  const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));

  /** curl inside a task of `service`: the status, the body and how long it took. */
  const call = async (service: string, url: string, maxSeconds = 20) => {
    const target = await fetch(`${state.apiUrl}/v1/exec/${service}`);
    const { holderPid } = (await target.json()) as { holderPid: number };
    const started = Date.now();
    const result = await runProcess(
      [
        "nsenter",
        "--target",
        String(holderPid),
        ...NSENTER_FLAGS,
        "--",
        "curl",
        "-s",
        "--max-time",
        String(maxSeconds),
        "-w",
        "\n%{http_code}",
        url,
      ],
      { timeoutMs: 30_000 },
    );
    const took = Date.now() - started;
    const lines = result.stdout.split("\n");
    return { status: Number(lines.pop()), body: lines.join("\n"), took };
  };

  const allowed = await call("frontend", "http://api.local:9000/");
  assert.deepEqual([allowed.status, allowed.body], [200, "backend"], "frontend → backend works");
  assert.ok(allowed.took < 2_000, `the allowed call took ${allowed.took} ms`);

  const blocked = await call("backend", "http://web.local:8000/");
  t.diagnostic(`backend → frontend: ${blocked.status} after ${blocked.took} ms`);
  assert.equal(blocked.status, 503, blocked.body);
  // Each attempt waits out the connect timeout: a refused connection would fail in a few ms.
  assert.ok(
    blocked.took >= ATTEMPTS * CONNECT_TIMEOUT_MS - 100,
    `failed after ${blocked.took} ms, before ${ATTEMPTS} connect timeouts`,
  );
  assert.ok(blocked.took < 10_000, `failed after ${blocked.took} ms`);

  const logFile = join(stateDir, "run/control-plane.log");
  const warnings = () =>
    readFileSync(logFile, "utf8")
      .split("\n")
      .filter((line) => line.includes('"level":40') && line.includes("security groups block"));
  await waitUntil(
    () => ((up.output.match(BLOCKED_MESSAGE)?.length ?? 0) > 0 ? true : undefined),
    10_000,
    "the blocked pair in the run's output",
  );
  await waitUntil(() => (warnings().length > 0 ? true : undefined), 10_000, "the warning");

  // Again, twice: still told once.
  assert.equal((await call("backend", "http://web.local:8000/")).status, 503);
  assert.equal((await call("backend", "http://web.local:8000/")).status, 503);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(up.output.match(BLOCKED_MESSAGE)?.length, 1, up.output);
  const [warning, ...more] = warnings();
  assert.deepEqual(more, [], "one warning for the pair");
  const fields = JSON.parse(warning as string);
  assert.match(fields.msg, BLOCKED_MESSAGE);
  assert.deepEqual(
    [fields.from, fields.to, fields.port, fields.direction, fields.missingRuleOn],
    [
      "backend",
      "frontend",
      8000,
      "ingress",
      ["SecurityGroupStack/frontendService/SecurityGroup/Resource"],
    ],
  );

  // By address on the run network the groups decide too: the frontend reaches the backend's
  // app, the backend's SYN to the frontend goes unanswered.
  const address = (name: string) => {
    const file = JSON.parse(readFileSync(join(stateDir, "run/endpoints.json"), "utf8"));
    return file.services[name][0].address as string;
  };
  const direct = await call("frontend", `http://${address("backend")}/`);
  assert.deepEqual([direct.status, direct.body], [200, "backend"]);
  const dropped = await call("backend", `http://${address("frontend")}/`, 2);
  assert.equal(dropped.status, 0, "no answer at all");
  assert.ok(dropped.took >= 1_900, `gave up after ${dropped.took} ms: a refusal would be at once`);

  // The ALB → frontend:8000 that `addTargets` opened still works.
  assert.deepEqual(await get(`http://127.0.0.1:${port}/`), { status: 200, body: "frontend" });
  await downAndVerify(up, stateDir);
});
