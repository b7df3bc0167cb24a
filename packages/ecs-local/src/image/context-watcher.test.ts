import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { watchContext } from "./context-watcher.js";

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a build context's watch fires once per burst, for sent files only, and follows new folders", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-watch-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "node_modules/pkg"), { recursive: true });
  writeFileSync(join(dir, ".dockerignore"), "node_modules\n");
  writeFileSync(join(dir, "src/index.ts"), "one");
  let changes = 0;
  const watch = watchContext(dir, () => changes++, { quietMs: 100 });
  t.after(() => watch.close());
  await watch.ready;

  writeFileSync(join(dir, "src/index.ts"), "two");
  writeFileSync(join(dir, "src/other.ts"), "three");
  await settle(400);
  assert.equal(changes, 1, "two writes in one burst are one change");

  writeFileSync(join(dir, "node_modules/pkg/index.js"), "ignored");
  await settle(400);
  assert.equal(changes, 1, "a folder .dockerignore leaves out is not watched");

  mkdirSync(join(dir, "src/lib"));
  await settle(400);
  assert.equal(changes, 2, "a new folder is a change");
  writeFileSync(join(dir, "src/lib/new.ts"), "four");
  await settle(400);
  assert.equal(changes, 3, "and it is watched from then on");
});
