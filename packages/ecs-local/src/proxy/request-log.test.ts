import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRequestLine } from "./request-log.js";

test("a request record names the discovery name, status, response time, bytes and who answered", () => {
  assert.deepEqual(parseRequestLine("sc-backend-container 200 3 173 98 --\n"), {
    discoveryName: "backend-container",
    status: 200,
    responseMs: 3,
    responseBytes: 173,
    requestBytes: 98,
    fromTarget: true,
  });
});

test("a 503 the agent made itself (no endpoint answered) is not the target's", () => {
  const record = parseRequestLine("sc-api 503 -1 217 80 SC");
  assert.equal(record?.status, 503);
  assert.equal(record?.responseMs, null);
  assert.equal(record?.fromTarget, false);
});

test("a response cut off by the client counts its status but not as a clean target answer", () => {
  assert.equal(parseRequestLine("sc-api 200 5 10 80 CD")?.fromTarget, false);
});

test("lines of another shape are not requests", () => {
  for (const line of ["", "hello", "be 200 1 2 3 --", "sc-api 200 x 2 3 --", "sc-api 200 1 2 3"]) {
    assert.equal(parseRequestLine(line), undefined, line);
  }
});
