import assert from "node:assert/strict";
import { hostname } from "node:os";
import { test } from "node:test";
import { TaskMetadataError } from "./errors.js";
import {
  createTaskIdentityResolver,
  localIdentity,
  parseTaskMetadata,
  type WarnLogger,
} from "./task-identity.js";
import {
  closedPort,
  sampleTaskDocument,
  startMetadataServer,
} from "./test-fixtures/metadata-server.js";

/** A logger that keeps what it is given, to assert on the warnings. */
function recordingLogger(): WarnLogger & { warnings: { object: object; message: string }[] } {
  const warnings: { object: object; message: string }[] = [];
  return { warnings, warn: (object, message) => warnings.push({ object, message }) };
}

test("parseTaskMetadata takes the ID from the last ARN segment", () => {
  const cases = [
    {
      arn: sampleTaskDocument.TaskARN,
      id: "0b69d5c0d13a4d4c8a1b2c3d4e5f6a7b",
    },
    // The pre-2018 ARN format has no cluster segment.
    {
      arn: "arn:aws:ecs:us-east-1:111122223333:task/1dc5c17a-422b-4dc4-b493-371970c6c4d6",
      id: "1dc5c17a-422b-4dc4-b493-371970c6c4d6",
    },
  ];
  for (const { arn, id } of cases) {
    assert.deepEqual(parseTaskMetadata("u", { TaskARN: arn, AvailabilityZone: "eu-west-1b" }), {
      taskArn: arn,
      taskId: id,
      availabilityZone: "eu-west-1b",
    });
  }
});

test("parseTaskMetadata reports a missing zone as null", () => {
  const identity = parseTaskMetadata("u", { TaskARN: sampleTaskDocument.TaskARN });
  assert.equal(identity.availabilityZone, null);
});

test("parseTaskMetadata rejects documents without a usable TaskARN", () => {
  for (const body of [
    null,
    "text",
    [],
    {},
    { TaskARN: 42 },
    { TaskARN: "arn:aws:ecs:x:1:task/" },
  ]) {
    assert.throws(
      () => parseTaskMetadata("http://m/task", body),
      (error: unknown) => {
        assert.ok(error instanceof TaskMetadataError);
        assert.equal(error.code, "BACKEND_TASK_METADATA");
        assert.match(error.message, /^task metadata from http:\/\/m\/task: expected .*TaskARN/);
        return true;
      },
    );
  }
});

test("without a metadata URI the resolver answers hostname and pid", async () => {
  const resolve = createTaskIdentityResolver({ metadataUri: undefined, log: recordingLogger() });
  assert.deepEqual(await resolve(), { hostname: hostname(), pid: process.pid });
});

test("reads /task once and caches it, also for concurrent first callers", async (t) => {
  const metadata = await startMetadataServer(t);
  const log = recordingLogger();
  const resolve = createTaskIdentityResolver({ metadataUri: metadata.uri, log });

  const answers = await Promise.all([resolve(), resolve(), resolve()]);
  answers.push(await resolve());

  for (const answer of answers) {
    assert.deepEqual(answer, {
      taskArn: sampleTaskDocument.TaskARN,
      taskId: "0b69d5c0d13a4d4c8a1b2c3d4e5f6a7b",
      availabilityZone: "us-east-1a",
    });
  }
  assert.deepEqual(metadata.requests, [`${new URL(metadata.uri).pathname}/task`]);
  assert.deepEqual(log.warnings, []);
});

test("connection refused: falls back to the local identity and warns with the cause", async () => {
  const port = await closedPort();
  const log = recordingLogger();
  const resolve = createTaskIdentityResolver({ metadataUri: `http://127.0.0.1:${port}/v4/x`, log });

  assert.deepEqual(await resolve(), localIdentity());
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0]?.message ?? "", /task metadata unavailable.*ECONNREFUSED/);
  // A second call within retryAfterMs neither asks again nor warns again.
  assert.deepEqual(await resolve(), localIdentity());
  assert.equal(log.warnings.length, 1);
});

test("retries after retryAfterMs once the endpoint comes back", async (t) => {
  let healthy = false;
  const metadata = await startMetadataServer(t, (_req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end(healthy ? JSON.stringify(sampleTaskDocument) : "agent starting");
  });
  const log = recordingLogger();
  const resolve = createTaskIdentityResolver({ metadataUri: metadata.uri, log, retryAfterMs: 50 });

  assert.deepEqual(await resolve(), localIdentity());
  assert.match(log.warnings[0]?.message ?? "", /HTTP 503/);
  healthy = true;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(((await resolve()) as { taskArn?: string }).taskArn, sampleTaskDocument.TaskARN);
  assert.equal(metadata.requests.length, 2);
});

test("an endpoint that never answers costs at most timeoutMs", async (t) => {
  const metadata = await startMetadataServer(t, () => {
    // Never respond: the agent hung.
  });
  const log = recordingLogger();
  const resolve = createTaskIdentityResolver({ metadataUri: metadata.uri, log, timeoutMs: 100 });

  const started = performance.now();
  assert.deepEqual(await resolve(), localIdentity());
  assert.ok(performance.now() - started < 1000);
  assert.match(log.warnings[0]?.message ?? "", /timeout/i);
});

test("a body that is not JSON falls back with a warning", async (t) => {
  const metadata = await startMetadataServer(t, (_req, res) => res.end("<html>proxy</html>"));
  const log = recordingLogger();
  const resolve = createTaskIdentityResolver({ metadataUri: metadata.uri, log });

  assert.deepEqual(await resolve(), localIdentity());
  assert.match(log.warnings[0]?.message ?? "", /JSON/);
});
