import assert from "node:assert/strict";
import { test } from "node:test";
import { renderAdmissions, renderNetworkFilter } from "./network-filter.js";

test("a task's filter keeps replies, admits listed callers per port and drops the rest of eth0", () => {
  const text = renderNetworkFilter([{ address: "10.0.1.1", port: 5000 }]);
  const order = [
    'iifname "eth0" ct state established,related accept',
    'iifname "eth0" ip saddr . tcp dport @admitted accept',
    'iifname "eth0" drop',
    "add element ip ecs_vpc admitted { 10.0.1.1 . 5000 }",
  ].map((line) => text.indexOf(line));
  assert.ok(
    order.every((at, i) => at >= 0 && (i === 0 || at > (order[i - 1] as number))),
    text,
  );
});

test("admissions are one line per batch, and nothing when there are none", () => {
  assert.equal(
    renderAdmissions([
      { address: "10.0.1.2", port: 5000 },
      { address: "10.0.1.2", port: 6000 },
    ]),
    "add element ip ecs_vpc admitted { 10.0.1.2 . 5000, 10.0.1.2 . 6000 }\n",
  );
  assert.equal(renderAdmissions([]), "");
  assert.doesNotMatch(renderNetworkFilter([]), /add element/);
});
