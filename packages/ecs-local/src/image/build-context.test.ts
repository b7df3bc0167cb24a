import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { hashContext, isIgnored, listContext, parseDockerignore } from "./build-context.js";

const ignoreCases: [string, string, boolean][] = [
  // [.dockerignore, path, ignored?]
  ["node_modules", "node_modules", true],
  ["node_modules", "node_modules/x/index.js", true],
  ["node_modules", "src/node_modules/x.js", false],
  ["*.log", "debug.log", true],
  ["*.log", "logs/debug.log", false],
  ["**/*.log", "logs/deep/debug.log", true],
  ["**/*.log", "debug.log", true],
  ["src/**/*.test.ts", "src/a/b/c.test.ts", true],
  ["src/**/*.test.ts", "src/c.test.ts", true],
  ["src/**/*.test.ts", "src/c.ts", false],
  ["/dist/", "dist/server.js", true],
  ["*.md\n!README.md", "README.md", false],
  ["*.md\n!README.md", "CHANGES.md", true],
  ["build\n!build/keep.txt", "build/keep.txt", false],
  ["build\n!build/keep.txt", "build/other.txt", true],
  ["# a comment\n\nfile?.txt", "file1.txt", true],
  ["file?.txt", "file10.txt", false],
  ["[ab].js", "a.js", true],
];

for (const [rules, p, expected] of ignoreCases) {
  test(`dockerignore ${JSON.stringify(rules)} ${p} → ${expected ? "ignored" : "kept"}`, async () => {
    assert.equal(isIgnored(parseDockerignore(rules), p), expected);
  });
}

test("listContext and hashContext: ignored files neither listed nor hashed", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-local-ctx-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "node_modules/pkg"), { recursive: true });
  await mkdir(path.join(dir, "src"));
  await writeFile(path.join(dir, "node_modules/pkg/index.js"), "x");
  await writeFile(path.join(dir, "src/a.js"), "a");
  await writeFile(path.join(dir, "app.log"), "noise");
  await symlink("src/a.js", path.join(dir, "link.js"));
  const rules = parseDockerignore("node_modules\n*.log\n");
  const entries = await listContext(dir, rules);
  assert.deepEqual(
    entries.map((e) => `${e.type}:${e.path}`),
    ["symlink:link.js", "dir:src", "file:src/a.js"],
  );
  const before = await hashContext(dir, entries, ["v1"]);
  await writeFile(path.join(dir, "app.log"), "more noise");
  assert.equal(
    await hashContext(dir, await listContext(dir, rules), ["v1"]),
    before,
    "ignored change, same hash",
  );
  await writeFile(path.join(dir, "src/a.js"), "b");
  assert.notEqual(await hashContext(dir, await listContext(dir, rules), ["v1"]), before);
});
