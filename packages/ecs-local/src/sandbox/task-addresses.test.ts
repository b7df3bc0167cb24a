import assert from "node:assert/strict";
import { test } from "node:test";
import { taskAddress } from "./task-addresses.js";

test("task addresses start at 10.0.1.1 and skip each block's .0 and .255", () => {
  assert.equal(taskAddress(0), "10.0.1.1");
  assert.equal(taskAddress(253), "10.0.1.254");
  assert.equal(taskAddress(254), "10.0.2.1");
  assert.equal(taskAddress(254 * 254 - 1), "10.0.254.254");
});

test("past the run network's last address is an error that says what to do", () => {
  assert.throws(() => taskAddress(254 * 254), /outside the run network's 64516 addresses/);
  assert.throws(() => taskAddress(-1), RangeError);
});
