import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { parseContext, parseListenerPorts, parseTimeScale } from "./up-flags.js";

test("--time-scale takes a positive finite number, default 10", () => {
  assert.equal(parseTimeScale(undefined), 10);
  assert.equal(parseTimeScale("1"), 1);
  assert.equal(parseTimeScale("0.5"), 0.5);
  for (const bad of ["0", "-1", "Infinity", "abc", "", "NaN", "1e400"]) {
    assert.throws(() => parseTimeScale(bad), UsageError, bad);
  }
  assert.throws(() => parseTimeScale("0"), /--time-scale 0 must be a positive number/);
});

test("--listener-port maps a listener port to a host port, each 1-65535", () => {
  assert.deepEqual(
    [...parseListenerPorts(["80=8080", "443=9443"])],
    [
      [80, 8080],
      [443, 9443],
    ],
  );
  for (const bad of ["80", "80=", "=8080", "80=0", "80=70000", "x=1", "80:8080"]) {
    assert.throws(() => parseListenerPorts([bad]), UsageError, bad);
  }
});

test("-c takes key=value, the value may hold '='", () => {
  assert.deepEqual(parseContext(["a=1", "b=x=y"]), { a: "1", b: "x=y" });
  assert.throws(() => parseContext(["=1"]), UsageError);
  assert.throws(() => parseContext(["novalue"]), UsageError);
});
