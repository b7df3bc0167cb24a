import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEndpoints, renderEndpoints } from "./endpoints-file.js";

test("round-trips through render and parse", () => {
  const text = renderEndpoints({
    version: 3,
    services: new Map([
      ["backend", [{ taskId: "b1", address: "/r/b1.sock" }]],
      ["cache", [{ taskId: "c1", address: "10.0.1.2:6379" }]],
      ["empty", []],
    ]),
  });
  const r = parseEndpoints(text);
  assert.ok(r.ok);
  assert.equal(r.snapshot.version, 3);
  assert.deepEqual(r.snapshot.services.get("backend"), [{ taskId: "b1", address: "/r/b1.sock" }]);
  assert.deepEqual(r.snapshot.services.get("cache"), [{ taskId: "c1", address: "10.0.1.2:6379" }]);
  assert.deepEqual(r.snapshot.services.get("empty"), []);
});

test("bad files are values with a reason", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["truncated", '{"version": 1, "serv', /not JSON/],
    ["array", "[]", /not an object/],
    ["no version", '{"services": {}}', /version/],
    ["services not an object", '{"version": 1, "services": []}', /services must be an object/],
    ["list not an array", '{"version": 1, "services": {"a": {}}}', /services\.a must be an array/],
    [
      "relative socket",
      '{"version": 1, "services": {"a": [{"taskId": "x", "address": "x.sock"}]}}',
      /services\.a\[0\]/,
    ],
    [
      "host name instead of an address",
      '{"version": 1, "services": {"a": [{"taskId": "x", "address": "backend:5000"}]}}',
      /ip:port, or an absolute socket path/,
    ],
  ];
  for (const [name, text, problem] of cases) {
    await t.test(name, () => {
      const r = parseEndpoints(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.problem, problem);
    });
  }
});
