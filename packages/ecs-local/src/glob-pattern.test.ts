import assert from "node:assert/strict";
import { test } from "node:test";
import { globToRegExp } from "./glob-pattern.js";

test("file-path globs (COPY sources) stay within a segment unless **", () => {
  const cases: [glob: string, path: string, matches: boolean][] = [
    ["src/*.ts", "src/index.ts", true],
    ["src/*.ts", "src/lib/index.ts", false],
    ["src/**/*.ts", "src/lib/deep/index.ts", true],
    ["src/**/*.ts", "src/index.ts", true],
    ["file?.txt", "file1.txt", true],
    ["file?.txt", "file/.txt", false],
    ["[ab].js", "a.js", true],
    ["[!ab].js", "c.js", true],
    ["[!ab].js", "a.js", false],
    ["\\*.md", "*.md", true],
    ["\\*.md", "README.md", false],
    ["package*.json", "package-lock.json", true],
    ["README.md", "readme.md", false],
  ];
  for (const [glob, path, matches] of cases) {
    assert.equal(globToRegExp(glob).test(path), matches, `${glob} ~ ${path}`);
  }
});

test("ALB rule patterns: * spans any characters, case only where asked", () => {
  const path = (glob: string, value: string) =>
    globToRegExp(glob, { crossSlash: true }).test(value);
  const host = (glob: string, value: string) =>
    globToRegExp(glob, { crossSlash: true, ignoreCase: true }).test(value);
  assert.equal(path("/api/*", "/api/v1/users"), true);
  assert.equal(path("/api/*", "/API/v1"), false, "paths are case-sensitive");
  assert.equal(path("/img/?.png", "/img/a.png"), true);
  assert.equal(path("/[x]", "/[x]"), true, "brackets are literal");
  assert.equal(host("*.example.com", "shop.EXAMPLE.com"), true);
  assert.equal(host("*.example.com", "example.com"), false);
});
