import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { DockerfileError } from "../errors.js";
import { type Instruction, parseDockerfile, splitWords } from "./dockerfile-parse.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/** A compact text form of the instructions, for table-driven expectations. */
function show(i: Instruction): string {
  switch (i.kind) {
    case "arg":
      return `ARG ${i.name}=${i.value ?? "<unset>"}`;
    case "env":
      return `ENV ${i.vars.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`;
    case "workdir":
      return `WORKDIR ${i.path}`;
    case "copy":
      return `${i.keyword}${i.from !== undefined ? ` from=${i.from}` : ""} ${JSON.stringify(i.sources)} -> ${i.dest}`;
    case "run":
      return `RUN(${i.form}) ${i.command}`;
    case "user":
      return `USER ${i.user}`;
    case "expose":
      return `EXPOSE ${i.ports.join(",")}`;
    case "entrypoint":
    case "cmd":
      return `${i.kind.toUpperCase()}(${i.form}) ${JSON.stringify(i.argv)}`;
    case "ignored":
      return `IGNORED ${i.keyword}`;
  }
}

const cases: {
  name: string;
  text: string;
  expect: string[][];
  buildArgs?: Record<string, string>;
}[] = [
  {
    name: "continuation lines, comments inside them and a syntax directive",
    text: [
      "# syntax=docker/dockerfile:1",
      "FROM node:20",
      "RUN npm ci \\",
      "  # a comment inside the continuation",
      "  && npm run build",
    ].join("\n"),
    expect: [["RUN(shell) npm ci   && npm run build"]],
  },
  {
    name: "an escape directive switches the continuation character to a backtick",
    text: [
      "# escape=`",
      "FROM mcr.microsoft.com/windows",
      "RUN npm ci `",
      "",
      "  && npm test",
    ].join("\n"),
    expect: [["RUN(shell) npm ci   && npm test"]],
  },
  {
    name: "ENV key=value pairs with quotes, and the legacy form",
    text: [
      "FROM alpine",
      'ENV A=1 B="two words" C=x\\ y',
      "ENV LEGACY some value here",
      "ENV D=${A}-$B E=${MISSING:-fallback} F=${A:+set}",
    ].join("\n"),
    expect: [
      [
        'ENV A="1" B="two words" C="x y"',
        'ENV LEGACY="some value here"',
        'ENV D="1-two words" E="fallback" F="set"',
      ],
    ],
  },
  {
    name: "variables in WORKDIR and COPY, ARG defaults and build args",
    buildArgs: { DIR: "/srv" },
    text: [
      "ARG BASE=node:20",
      "FROM ${BASE} AS build",
      "ARG DIR=/app",
      "ARG SUB=src",
      "WORKDIR $DIR/${SUB}",
      "COPY ${SUB}/*.ts ./",
      "EXPOSE 3000 53/udp",
    ].join("\n"),
    expect: [
      [
        "ARG DIR=/srv",
        "ARG SUB=src",
        "WORKDIR /srv/src",
        'COPY ["src/*.ts"] -> ./',
        "EXPOSE 3000,53/udp",
      ],
    ],
  },
  {
    name: "shell-form and JSON-form CMD/ENTRYPOINT/RUN, ignored instructions",
    text: [
      "FROM python:3.11-slim",
      "HEALTHCHECK CMD curl -f http://localhost/ || exit 1",
      'LABEL org.opencontainers.image.title="x"',
      'RUN ["pip", "install", "-r", "requirements.txt"]',
      "ENTRYPOINT exec python app.py",
      "CMD python -u app.py --port $PORT",
      "USER nobody",
    ].join("\n"),
    expect: [
      [
        "IGNORED HEALTHCHECK",
        "IGNORED LABEL",
        "RUN(exec) pip install -r requirements.txt",
        'ENTRYPOINT(shell) ["/bin/sh","-c","exec python app.py"]',
        'CMD(shell) ["/bin/sh","-c","python -u app.py --port $PORT"]',
        "USER nobody",
      ],
    ],
  },
  {
    name: "multistage COPY --from with --chown ignored, JSON-form COPY, multiple sources",
    text: [
      "FROM node:20 AS Build",
      "WORKDIR /app",
      "COPY package.json package-lock.json ./",
      "FROM node:20-slim",
      'COPY --from=build --chown=node:node ["/app/dist", "/app/dist"]',
      "ADD --chmod=755 a b c/",
    ].join("\n"),
    expect: [
      ["WORKDIR /app", 'COPY ["package.json","package-lock.json"] -> ./'],
      ['COPY from=build ["/app/dist"] -> /app/dist', 'ADD ["a","b"] -> c/'],
    ],
  },
];

for (const c of cases) {
  test(`parse: ${c.name}`, async () => {
    const parsed = parseDockerfile(c.text, c.buildArgs ? { buildArgs: c.buildArgs } : {});
    assert.deepEqual(
      parsed.stages.map((s) => s.instructions.map(show)),
      c.expect,
    );
  });
}

test("parse: stage names, base stage and inherited ENV for substitution", async () => {
  const parsed = parseDockerfile(
    ["FROM node:20 AS base", "ENV APP=/opt/app", "FROM base AS dev", "WORKDIR $APP/src"].join("\n"),
  );
  assert.equal(parsed.stages[0]?.name, "base");
  assert.equal(parsed.stages[1]?.baseStage, 0);
  assert.deepEqual(parsed.stages[1]?.instructions.map(show), ["WORKDIR /opt/app/src"]);
});

test("parse: RUN steps see ARG and ENV values", async () => {
  const parsed = parseDockerfile(
    ["FROM node:20", "ARG MODE=ci", "ENV NODE_ENV=production", "RUN npm $MODE"].join("\n"),
  );
  const run = parsed.stages[0]?.instructions.find((i) => i.kind === "run");
  assert.ok(run?.kind === "run");
  assert.equal(run.command, "npm $MODE", "the shell expands RUN, not the parser");
  assert.equal(run.env.MODE, "ci");
  assert.equal(run.env.NODE_ENV, "production");
});

const rejects: { name: string; text: string; message: RegExp }[] = [
  {
    name: "heredoc",
    text: ["FROM alpine", "", "RUN <<EOF", "echo hi", "EOF"].join("\n"),
    message: /line 3: RUN uses a heredoc.*Write the commands on one line/,
  },
  {
    name: "heredoc in COPY",
    text: "FROM alpine\nCOPY <<-EOT /x\nhi\nEOT",
    message: /line 2: COPY uses a heredoc/,
  },
  { name: "no FROM", text: "# only a comment\n", message: /no FROM instruction/ },
  {
    name: "instruction before FROM",
    text: "ENV A=1\nFROM alpine",
    message: /line 1: ENV comes before the first FROM/,
  },
  {
    name: "unknown instruction",
    text: "FROM alpine\nRUNN echo",
    message: /line 2: unknown instruction `RUNN`/,
  },
];

for (const r of rejects) {
  test(`parse rejects: ${r.name}`, async () => {
    assert.throws(
      () => parseDockerfile(r.text),
      (err: unknown) =>
        err instanceof DockerfileError &&
        err.code === "ECS_LOCAL_DOCKERFILE" &&
        r.message.test(err.message),
    );
  });
}

test("splitWords: quotes, escapes and no expansion inside single quotes", async () => {
  assert.deepEqual(splitWords(`a "b c" 'd $X' e\\ f $X`, { X: "x" }), [
    "a",
    "b c",
    "d $X",
    "e f",
    "x",
  ]);
});

const realDockerfiles = [
  {
    file: "app/backend/Dockerfile",
    check: (p: ReturnType<typeof parseDockerfile>) => {
      assert.deepEqual(
        p.stages.map((s) => s.name),
        ["build", "runtime"],
      );
      const last = p.stages[1]?.instructions.map(show) ?? [];
      assert.ok(last.includes('COPY from=build ["/app/dist"] -> ./dist'), last.join("\n"));
      assert.ok(last.includes('CMD(exec) ["node","dist/server.js"]'));
    },
  },
  {
    file: "app/frontend/Dockerfile",
    check: (p: ReturnType<typeof parseDockerfile>) => {
      assert.deepEqual(
        p.stages.map((s) => s.name),
        ["deps", "build", "runtime"],
      );
      const last = p.stages[2]?.instructions.map(show) ?? [];
      assert.ok(
        last.some((l) => l.startsWith('ENV NODE_ENV="production" PORT="3000"')),
        last.join("\n"),
      );
      assert.ok(last.some((l) => l.startsWith("COPY from=build")));
    },
  },
];

for (const real of realDockerfiles) {
  test(`parse: the repository's ${real.file}`, async () => {
    const file = path.join(repo, real.file);
    real.check(parseDockerfile(readFileSync(file, "utf8")));
  });
}
