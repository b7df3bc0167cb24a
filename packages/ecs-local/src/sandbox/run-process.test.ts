import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isRunning } from "./procs.js";
import { describeExit, runProcess, succeeded } from "./run-process.js";

test("collects stdout, stderr and an interleaved tail, and the exit code", async () => {
  const lines: string[] = [];
  const result = await runProcess(["sh", "-c", "echo one; echo two >&2; echo three; exit 3"], {
    tailLines: 2,
    onLine: (line) => lines.push(line),
  });
  assert.equal(result.exitCode, 3);
  assert.equal(succeeded(result), false);
  assert.equal(describeExit(result), "exited with code 3");
  assert.equal(result.stdout, "one\nthree\n");
  assert.equal(result.stderr, "two\n");
  assert.deepEqual(lines.toSorted(), ["one", "three", "two"]);
  assert.equal(result.tail.length, 2);
});

test("input goes to stdin", async () => {
  const result = await runProcess(["cat"], { input: "hello\n" });
  assert.ok(succeeded(result));
  assert.equal(result.stdout, "hello\n");
});

test("a program that cannot start is a value, not a throw", async () => {
  const result = await runProcess(["/nonexistent/program"]);
  assert.equal(result.exitCode, null);
  assert.match(String(result.spawnError?.message), /ENOENT/);
  assert.match(describeExit(result), /could not start/);
});

test("a timeout kills the whole process group, grandchildren included", async () => {
  const result = await runProcess(["sh", "-c", "sleep 30 & echo $!; wait"], { timeoutMs: 300 });
  assert.equal(result.timedOut, true);
  assert.equal(describeExit(result), "timed out");
  const grandchild = Number(result.stdout.trim());
  assert.ok(grandchild > 0);
  await sleep(100);
  assert.equal(isRunning(grandchild), false);
});

test("output beyond the limit is cut, the program still runs to its end", async () => {
  const result = await runProcess(["sh", "-c", "yes x | head -c 10000; echo done >&2"], {
    maxOutputBytes: 100,
  });
  assert.ok(succeeded(result));
  assert.equal(result.stdout.length, 100);
  assert.equal(result.stderr, "done\n");
});
