import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LogTail, readWindow, splitLines } from "./log-tail.js";

test("lines are split at newlines; an unfinished one waits for the next read", () => {
  assert.deepEqual(splitLines("", "a\nb\nc"), { lines: ["a", "b"], partial: "c" });
  assert.deepEqual(splitLines("c", "d\n"), { lines: ["cd"], partial: "" });
  assert.deepEqual(splitLines("x", ""), { lines: [], partial: "x" });
});

test("a read takes what is new, or its last bytes when a limit applies", () => {
  assert.deepEqual(readWindow(10, 30, undefined), { start: 10, skipped: false });
  assert.deepEqual(readWindow(10, 30, 50), { start: 10, skipped: false });
  assert.deepEqual(readWindow(10, 30, 5), { start: 25, skipped: true });
  assert.deepEqual(readWindow(40, 30, undefined), { start: 0, skipped: true }, "truncated");
});

test("a tail hands on every line written, and only whole recent lines when limited", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-log-tail-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "app.log");
  writeFileSync(file, "one\ntw");
  const seen: string[] = [];
  let limit: number | undefined;
  const tail = new LogTail({
    file,
    onLines: (lines) => seen.push(...lines),
    limit: () => limit,
    intervalMs: 60_000,
  });
  await tail.read();
  assert.deepEqual(seen, ["one"]);
  appendFileSync(file, "o\nthree\n");
  await tail.read();
  assert.deepEqual(seen, ["one", "two", "three"]);

  limit = 12;
  appendFileSync(file, `${"x".repeat(40)}\nfour\nfive\n`);
  await tail.read();
  assert.deepEqual(seen.slice(3), ["four", "five"], "the cut line is dropped, not half-shown");

  limit = undefined;
  appendFileSync(file, "last, unfinished");
  await tail.close();
  assert.equal(seen.at(-1), "last, unfinished");
});
