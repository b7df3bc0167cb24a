import assert from "node:assert/strict";
import { test } from "node:test";
import { assignAliasAddresses, renderHostsFile } from "./hosts-file.js";

test("aliases are sorted, deduplicated and numbered from 127.255.0.1", () => {
  assert.deepEqual(
    assignAliasAddresses(["z.local", "backend-container.local", "z.local", "a.local"]),
    [
      { ip: "127.255.0.1", name: "a.local" },
      { ip: "127.255.0.2", name: "backend-container.local" },
      { ip: "127.255.0.3", name: "z.local" },
    ],
  );
});

test("assignment is independent of input order", () => {
  assert.deepEqual(assignAliasAddresses(["b", "a", "c"]), assignAliasAddresses(["c", "b", "a"]));
});

test("the 255th alias moves to the next /24 without using .0 or .255", () => {
  const names = Array.from({ length: 256 }, (_, i) => `n${String(i).padStart(3, "0")}`);
  const entries = assignAliasAddresses(names);
  assert.equal(entries[253]?.ip, "127.255.0.254");
  assert.equal(entries[254]?.ip, "127.255.1.1");
  assert.equal(entries[255]?.ip, "127.255.1.2");
});

test("renders loopback lines, the hostname and one line per alias", () => {
  const text = renderHostsFile({
    hostname: "task-abc",
    entries: [{ ip: "127.255.0.1", name: "backend-container.local" }],
  });
  assert.equal(
    text,
    "127.0.0.1 localhost\n::1 localhost\n127.0.0.1 task-abc\n127.255.0.1 backend-container.local\n",
  );
});

test("renders without a hostname", () => {
  assert.equal(renderHostsFile({ entries: [] }), "127.0.0.1 localhost\n::1 localhost\n");
});

test("rejects names that would corrupt the file", () => {
  for (const name of ["a b", "x#y", "", "-lead", "line\nbreak"]) {
    assert.throws(
      () => renderHostsFile({ entries: [{ ip: "127.255.0.1", name }] }),
      RangeError,
      name,
    );
  }
  assert.throws(
    () => renderHostsFile({ entries: [{ ip: "1.2.3.4 evil", name: "x" }] }),
    RangeError,
  );
});
