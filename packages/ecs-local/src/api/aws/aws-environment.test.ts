import assert from "node:assert/strict";
import { test } from "node:test";
import { awsEnvironment, awsEnvironmentLines } from "./aws-environment.js";

test("up prints the endpoint and one export line that points AWS clients at it", () => {
  assert.deepEqual(awsEnvironment("http://127.0.0.1:4566", "local-1"), {
    AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
    AWS_REGION: "local-1",
    AWS_ACCESS_KEY_ID: "ecs-local",
    AWS_SECRET_ACCESS_KEY: "ecs-local",
    AWS_DISABLE_HOST_PREFIX_INJECTION: "true",
  });
  const [where, exports] = awsEnvironmentLines("http://127.0.0.1:4566", "local-1");
  assert.match(where ?? "", /AWS APIs\s+http:\/\/127\.0\.0\.1:4566/);
  assert.equal(
    exports?.trim(),
    "export AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=local-1 AWS_ACCESS_KEY_ID=ecs-local AWS_SECRET_ACCESS_KEY=ecs-local AWS_DISABLE_HOST_PREFIX_INJECTION=true",
  );
});
