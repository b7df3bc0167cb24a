import assert from "node:assert/strict";
import { test } from "node:test";
import { Progress } from "./progress.js";

function output(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 80, write: (text: string) => writes.push(text) } };
}

test("without a terminal, a step is two plain lines: its start and its end with seconds", async () => {
  let now = 1_000;
  const { writes, stream } = output(false);
  const progress = new Progress(stream, { now: () => now });
  await progress.step("npm ci", async (step) => {
    step.output("added 30 packages");
    now += 2_500;
  });
  progress.say("next");
  assert.deepEqual(writes, ["▸ npm ci\n", "  done: npm ci (2.5 s)\n", "next\n"]);
});

test("a failed step says so and the error goes on", async () => {
  const { writes, stream } = output(false);
  const progress = new Progress(stream, { now: () => 0 });
  await assert.rejects(
    progress.step("next build", async () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(writes.at(-1), "  failed: next build (0.0 s)\n");
});

test("guard fails the step an event adapter began", async () => {
  const { writes, stream } = output(false);
  const progress = new Progress(stream, { now: () => 0 });
  const work = (async () => {
    progress.begin("pip install");
    throw new Error("no network");
  })();
  await assert.rejects(progress.guard(work), /no network/);
  assert.equal(writes.at(-1), "  failed: pip install (0.0 s)\n");
});

test("on a terminal the step is one live line, redrawn in place, then a ✓ line", () => {
  let now = 0;
  const { writes, stream } = output(true);
  const progress = new Progress(stream, { now: () => now, live: true });
  const step = progress.begin("npm ci");
  now = 3_200;
  step.output("added 30 packages in 3s");
  progress.say("a permanent line");
  step.end();
  const text = writes.join("");
  const clearLine = "\r\u001b[2K";
  assert.ok(text.includes(`${clearLine}⠋ npm ci  0s`), JSON.stringify(text));
  assert.ok(text.includes(`${clearLine}a permanent line\n`), JSON.stringify(text));
  assert.match(text, /npm ci {2}3s {2}· added 30 packages in 3s/);
  assert.match(text, /✓ npm ci \(3\.2 s\)\n$/);
});

test("a terminal is live unless TERM=dumb; a pipe never is", () => {
  assert.equal(new Progress(output(false).stream).live, false);
  const saved = process.env.TERM;
  process.env.TERM = "dumb";
  try {
    assert.equal(new Progress(output(true).stream).live, false);
  } finally {
    if (saved === undefined) delete process.env.TERM;
    else process.env.TERM = saved;
  }
});
