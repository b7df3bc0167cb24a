import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { DockerfileError } from "../errors.js";
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

/**
 * `.dockerignore` examples from Docker's documentation (docs.docker.com/build/concepts/context,
 * "Syntax", "Matching", "Negating matches") and from BuildKit's matcher (moby/patternmatcher),
 * each as [the file's lines, a context path, excluded?].
 */
const dockerDocs: { name: string; lines: string[]; cases: [string, boolean][] }[] = [
  {
    name: "Matching: # comment, */temp*, */*/temp*, temp?",
    lines: ["# comment", "*/temp*", "*/*/temp*", "temp?"],
    cases: [
      ["somedir/temporary.txt", true],
      ["somedir/temp", true],
      ["somedir/temp/inside.txt", true],
      ["somedir/subdir/temporary.txt", true],
      ["tempa", true],
      ["tempb", true],
      ["temp", false],
      ["tempab", false],
      ["temporary.txt", false],
      ["a/b/c/temporary.txt", false],
      ["# comment", false],
    ],
  },
  ...["/foo/bar/", "/foo/bar", "foo/bar/", "foo/bar"].map((pattern) => ({
    name: `Syntax: leading and trailing slashes are disregarded (${pattern})`,
    lines: [pattern],
    cases: [
      ["foo/bar", true],
      ["foo/bar/baz.txt", true],
      ["bar", false],
      ["foo", false],
      ["x/foo/bar", false],
    ] as [string, boolean][],
  })),
  {
    name: "Syntax: # in column 1 is a comment",
    lines: ["#/this/is/a/comment"],
    cases: [["this/is/a/comment", false]],
  },
  {
    name: "Matching: filepath.Clean removes . and ..; the pattern . is ignored",
    lines: ["./src/../dist//", "."],
    cases: [
      ["dist/server.js", true],
      ["src/dist/x.js", false],
      ["index.js", false],
    ],
  },
  {
    name: "Matching: ** matches any number of directories, including zero",
    lines: ["**/*.go"],
    cases: [
      ["main.go", true],
      ["cmd/app/main.go", true],
      ["main.go.txt", false],
    ],
  },
  {
    name: "Negating matches: *.md, !README.md",
    lines: ["*.md", "!README.md"],
    cases: [
      ["README.md", false],
      ["CHANGES.md", true],
      ["docs/guide.md", false],
    ],
  },
  {
    name: "Negating matches: the last matching line decides (README-secret.md last)",
    lines: ["*.md", "!README*.md", "README-secret.md"],
    cases: [
      ["README.md", false],
      ["README-dev.md", false],
      ["README-secret.md", true],
      ["notes.md", true],
    ],
  },
  {
    name: "Negating matches: the last matching line decides (!README*.md last)",
    lines: ["*.md", "README-secret.md", "!README*.md"],
    cases: [
      ["README-secret.md", false],
      ["README.md", false],
      ["notes.md", true],
    ],
  },
  {
    name: "Negating matches: exclude everything, then name what to send",
    lines: ["*", "!src", "!package.json"],
    cases: [
      ["src/index.ts", false],
      ["package.json", false],
      ["node_modules/x/index.js", true],
      ["secrets.env", true],
    ],
  },
  {
    name: "BuildKit: a line is a comment only when # is its first character",
    lines: ["  #notes.txt", "!  /keep/me"],
    cases: [
      ["#notes.txt", true],
      ["notes.txt", false],
    ],
  },
  {
    name: "BuildKit: case-sensitive on Linux",
    lines: ["README.md"],
    cases: [
      ["README.md", true],
      ["readme.md", false],
    ],
  },
  {
    name: "BuildKit: + ( ) | { } are plain characters",
    lines: ["c++", "notes(1).txt", "a|b", "{x,y}"],
    cases: [
      ["c++", true],
      ["cc", false],
      ["notes(1).txt", true],
      ["notes1.txt", false],
      ["a|b", true],
      ["a", false],
      ["{x,y}", true],
      ["x", false],
    ],
  },
  {
    name: "BuildKit: [...] is a class where ^ negates and ! is a plain character",
    lines: ["[!a].js", "[^xy].txt"],
    cases: [
      ["!.js", true],
      ["a.js", true],
      ["b.js", false],
      ["z.txt", true],
      ["x.txt", false],
    ],
  },
  {
    name: "BuildKit: a leading ** without / matches a suffix at any depth",
    lines: ["**.log"],
    cases: [
      ["debug.log", true],
      ["logs/deep/debug.log", true],
      ["debug.log.txt", false],
    ],
  },
  {
    name: "BuildKit: a UTF-8 byte order mark before the first line is dropped",
    lines: ["\uFEFF*.log"],
    cases: [["debug.log", true]],
  },
];

for (const file of dockerDocs) {
  test(`dockerignore, ${file.name}`, async () => {
    const rules = parseDockerignore(file.lines.join("\n"));
    const got = file.cases.map(([p]) => [p, isIgnored(rules, p)]);
    assert.deepEqual(got, file.cases);
  });
}

test("dockerignore: patterns Docker rejects fail with the line and the fix", async () => {
  for (const [text, message] of [
    ["node_modules\n!", /^\.dockerignore line 2: `!` has no pattern after it\. Fix or remove/],
    ["[a-", /^\.dockerignore line 1: pattern `\[a-` is not valid/],
  ] as const) {
    assert.throws(
      () => parseDockerignore(text),
      (err: unknown) =>
        err instanceof DockerfileError &&
        err.code === "ECS_LOCAL_DOCKERFILE" &&
        message.test(err.message),
    );
  }
});
