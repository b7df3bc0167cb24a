import assert from "node:assert/strict";
import { test } from "node:test";
import { pickRoundRobin, RoundRobin } from "./round-robin.js";

test("pickRoundRobin", async (t) => {
  const cases: {
    name: string;
    items: string[];
    counter: number;
    item: string | undefined;
    next: number;
  }[] = [
    {
      name: "empty list picks nothing and keeps the counter",
      items: [],
      counter: 3,
      item: undefined,
      next: 3,
    },
    { name: "first pick", items: ["a", "b", "c"], counter: 0, item: "a", next: 1 },
    { name: "middle", items: ["a", "b", "c"], counter: 1, item: "b", next: 2 },
    { name: "wraps around", items: ["a", "b", "c"], counter: 3, item: "a", next: 4 },
    { name: "single endpoint", items: ["a"], counter: 41, item: "a", next: 42 },
    { name: "negative counter restarts", items: ["a", "b"], counter: -5, item: "a", next: 1 },
    { name: "NaN counter restarts", items: ["a", "b"], counter: Number.NaN, item: "a", next: 1 },
    { name: "unsafe counter restarts", items: ["a", "b"], counter: 2 ** 60, item: "a", next: 1 },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      assert.deepEqual(pickRoundRobin(c.items, c.counter), { item: c.item, next: c.next });
    });
  }
});

test("RoundRobin spreads evenly and follows list changes", () => {
  const rr = new RoundRobin<string>();
  assert.deepEqual(
    [1, 2, 3, 4].map(() => rr.pick(["a", "b"])),
    ["a", "b", "a", "b"],
  );
  assert.equal(rr.pick([]), undefined);
  // Counter is 4: with three endpoints the rotation continues at index 1.
  assert.deepEqual(
    [1, 2, 3].map(() => rr.pick(["a", "b", "c"])),
    ["b", "c", "a"],
  );
  assert.deepEqual(
    [1, 2].map(() => rr.pick(["only"])),
    ["only", "only"],
  );
});
