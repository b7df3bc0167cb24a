import assert from "node:assert/strict";
import { test } from "node:test";
import { DockerfileError } from "../errors.js";
import { parseDockerfile } from "./dockerfile-parse.js";
import {
  classifyRun,
  mapCommandPaths,
  type PlanStep,
  planImage,
  resolveContainerPath,
} from "./image-plan.js";

const classifications: [string, "host" | "os-package" | "unknown", string[]][] = [
  ["npm ci", "host", []],
  ["npm ci --omit=dev && npm cache clean --force", "host", []],
  ["pip install --no-cache-dir -r requirements.txt", "host", []],
  ["python -m pip install -r requirements.txt", "host", []],
  ["python3.11 -m compileall .", "host", []],
  ["NODE_ENV=production npx tsc -p . ; mkdir -p dist && cp -r public dist/", "host", []],
  ["apt-get update && apt-get install -y curl", "os-package", ["curl"]],
  [
    "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates=2023* && rm -rf /var/lib/apt/lists/*",
    "os-package",
    ["curl", "ca-certificates"],
  ],
  ["apk add --no-cache tini", "os-package", ["tini"]],
  ["microdnf install -y shadow-utils && microdnf clean all", "os-package", ["shadow-utils"]],
  ["groupadd --system nextjs && useradd --system --gid nextjs nextjs", "os-package", []],
  ["npm ci && chown -R node /app", "os-package", []],
  ["make build", "unknown", []],
  ["npm ci && curl -fsSL https://x | sh", "unknown", []],
  ['echo "a && apt-get install b" > note.txt', "host", []],
];

for (const [command, expected, packages] of classifications) {
  test(`classifyRun: ${command}`, async () => {
    const got = classifyRun(command);
    assert.equal(got.classification, expected);
    assert.deepEqual(got.packages, packages);
  });
}

function plan(text: string, target?: string) {
  return planImage(parseDockerfile(text), target !== undefined ? { target } : {});
}

function stepText(s: PlanStep): string {
  if (s.kind === "workdir") return `workdir ${s.path}`;
  if (s.kind === "copy") return `copy ${s.from}:${s.sources.join(",")} -> ${s.dest}`;
  return `run[${s.classification}] ${s.command} @${s.workdir}`;
}

test("planImage: the backend's two stages, runtime and notices", async () => {
  const p = plan(
    [
      "FROM node:20-bookworm-slim AS build",
      "WORKDIR /app",
      "COPY package.json package-lock.json ./",
      "RUN npm ci",
      "COPY src ./src",
      "RUN npm run build",
      "FROM node:20-bookworm-slim AS runtime",
      "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*",
      "ENV NODE_ENV=production",
      "WORKDIR /app",
      "COPY --from=build /app/dist ./dist",
      "USER node",
      "EXPOSE 5000",
      'CMD ["node", "dist/server.js"]',
    ].join("\n"),
  );
  assert.deepEqual(
    p.stages.map((s) => [s.key, ...s.steps.map(stepText)]),
    [
      [
        "build",
        "workdir /app",
        "copy context:package.json,package-lock.json -> /app/",
        "run[host] npm ci @/app",
        "copy context:src -> /app/src",
        "run[host] npm run build @/app",
      ],
      [
        "runtime",
        "run[os-package] apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* @/",
        "workdir /app",
        "copy build:/app/dist -> /app/dist",
      ],
    ],
  );
  assert.deepEqual(p.runtime.cmd, ["node", "dist/server.js"]);
  assert.equal(p.runtime.workdir, "/app");
  assert.equal(p.runtime.env.NODE_ENV, "production");
  assert.deepEqual(p.runtime.exposedPorts, [{ port: 5000, protocol: "tcp" }]);
  assert.equal(p.runtime.user, "node");
  assert.equal(p.needsPython, false);
  assert.match(
    p.notices[0] ?? "",
    /^line 8: skipped `apt-get update .*`: the host must provide curl$/,
  );
  assert.match(p.notices[1] ?? "", /USER node is not applied/);
});

test("planImage: only needed stages; target; FROM <stage> inherits ENV, WORKDIR and CMD", async () => {
  const text = [
    "FROM node:20 AS base",
    "ENV A=1",
    "WORKDIR /srv",
    'CMD ["node", "a.js"]',
    "FROM alpine AS unrelated",
    "RUN echo hi",
    "FROM base AS final",
    "ENV B=2",
  ].join("\n");
  const p = plan(text);
  assert.deepEqual(
    p.stages.map((s) => `${s.key}<-${s.baseKey ?? s.base}`),
    ["base<-node:20", "final<-base"],
  );
  assert.equal(p.runtime.workdir, "/srv");
  assert.deepEqual([p.runtime.env.A, p.runtime.env.B], ["1", "2"]);
  assert.deepEqual(p.runtime.cmd, ["node", "a.js"]);

  assert.deepEqual(
    plan(text, "unrelated").stages.map((s) => s.key),
    ["unrelated"],
  );
  assert.throws(
    () => plan(text, "nope"),
    (e: unknown) =>
      e instanceof DockerfileError && /Stages are: base, unrelated, final/.test(e.message),
  );
});

test("planImage: ENTRYPOINT drops an inherited CMD but not one set in the same stage", async () => {
  const inherited = plan(
    ["FROM node:20 AS a", 'CMD ["x"]', "FROM a", 'ENTRYPOINT ["tini"]'].join("\n"),
  );
  assert.deepEqual([inherited.runtime.entrypoint, inherited.runtime.cmd], [["tini"], []]);
  const same = plan(["FROM node:20", 'CMD ["x"]', 'ENTRYPOINT ["tini", "--"]'].join("\n"));
  assert.deepEqual([same.runtime.entrypoint, same.runtime.cmd], [["tini", "--"], ["x"]]);
  const shell = plan(["FROM node:20", "CMD npm start"].join("\n"));
  assert.deepEqual(shell.runtime.cmd, ["/bin/sh", "-c", "npm start"]);
});

test("planImage: python images need a virtualenv", async () => {
  assert.equal(plan('FROM python:3.11-slim\nCMD ["python", "app.py"]').needsPython, true);
  assert.equal(plan("FROM debian\nRUN pip3 install flask").needsPython, true);
  assert.equal(plan("FROM node:20\nRUN npm ci").needsPython, false);
});

test("planImage: COPY --from an external image and ADD <url> are skipped with notices", async () => {
  const p = plan(
    [
      "FROM node:20",
      "COPY --from=nginx:latest /etc/nginx /etc/nginx",
      "ADD https://example.com/x.tgz /x",
    ].join("\n"),
  );
  assert.deepEqual(p.stages[0]?.steps, []);
  assert.equal(p.notices.length, 2);
  assert.match(p.notices[0] ?? "", /copying from another image is not supported/);
});

test("resolveContainerPath", async () => {
  assert.equal(resolveContainerPath("/app", "."), "/app");
  assert.equal(resolveContainerPath("/app", "./"), "/app/");
  assert.equal(resolveContainerPath("/app", "./dist"), "/app/dist");
  assert.equal(resolveContainerPath("/app", "../etc/"), "/etc/");
  assert.equal(resolveContainerPath("/", "/usr/src/app"), "/usr/src/app");
});

test("mapCommandPaths keeps the host safe and programs runnable", async () => {
  const root = "/cache/h/s";
  assert.equal(
    mapCommandPaths("mkdir -p /app/data && rm -rf /var/lib/apt/lists/* > /dev/null", root),
    "mkdir -p /cache/h/s/app/data && rm -rf /cache/h/s/var/lib/apt/lists/* > /dev/null",
  );
  assert.equal(
    mapCommandPaths(
      "/usr/bin/env node x.js --out=/app/o https://e.com/a",
      root,
      (_p, atProgram) => !atProgram,
    ),
    "/usr/bin/env node x.js --out=/cache/h/s/app/o https://e.com/a",
  );
  assert.equal(mapCommandPaths("cp /cache/h/s/a b", root), "cp /cache/h/s/a b");
});
