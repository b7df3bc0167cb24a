import assert from "node:assert/strict";
import { test } from "node:test";
import { DockerfileError } from "../errors.js";
import type { ContainerDefinition } from "../model/types.js";
import { containerProcess, hostSearchPath, type PreparedRuntime } from "./container-process.js";

const root = "/cache/h/runtime";
const image: PreparedRuntime = {
  rootDir: root,
  workdir: "/app",
  env: {
    NODE_ENV: "production",
    PORT: "5000",
    PATH: "/app/node_modules/.bin:/usr/local/bin:/usr/bin",
  },
  entrypoint: [],
  cmd: ["node", "/app/dist/server.js"],
};
// What exists in the prepared folder, as host paths.
const present = new Set([
  `${root}/app/dist/server.js`,
  `${root}/app/node_modules/.bin`,
  `${root}/app/start.sh`,
]);
const options = {
  exists: (p: string) => present.has(p),
  hostEnv: { PATH: "/usr/bin:/bin", HOME: "/home/me" },
};

type Container = Pick<
  ContainerDefinition,
  "name" | "entryPoint" | "command" | "environment" | "workingDirectory"
>;
const base: Container = { name: "app", environment: {} };

const cases: {
  name: string;
  container: Partial<Container>;
  extraEnv?: Record<string, string>;
  argv?: string[];
  env?: Record<string, string>;
  cwd?: string;
}[] = [
  {
    name: "image CMD, absolute path in args mapped into the image folder",
    container: {},
    argv: ["node", `${root}/app/dist/server.js`],
    cwd: `${root}/app`,
  },
  {
    name: "command replaces CMD",
    container: { command: ["npm", "start"] },
    argv: ["npm", "start"],
  },
  {
    name: "entryPoint replaces ENTRYPOINT and drops the image CMD",
    container: { entryPoint: ["/app/start.sh"] },
    argv: [`${root}/app/start.sh`],
  },
  {
    name: "entryPoint and command together",
    container: { entryPoint: ["sh", "-c"], command: ["exec node /app/dist/server.js > /dev/null"] },
    argv: ["sh", "-c", `exec node ${root}/app/dist/server.js > /dev/null`],
  },
  {
    name: "a path that does not exist in the image stays as is (the host has /bin/true)",
    container: { command: ["/bin/true", "/data/x"] },
    argv: ["/bin/true", "/data/x"],
  },
  {
    name: "environment overrides image ENV, extra env overrides both",
    container: { environment: { PORT: "8080", API: "http://api.local" } },
    extraEnv: {
      API: "http://127.255.0.2",
      ECS_CONTAINER_METADATA_URI_V4: "http://127.0.0.1:1/v4/x",
    },
    env: {
      NODE_ENV: "production",
      PORT: "8080",
      API: "http://127.255.0.2",
      ECS_CONTAINER_METADATA_URI_V4: "http://127.0.0.1:1/v4/x",
      PATH: `${root}/app/node_modules/.bin:/usr/bin:/bin`,
      HOME: "/home/me",
    },
  },
  {
    name: "workingDirectory overrides WORKDIR",
    container: { workingDirectory: "/app/dist" },
    cwd: `${root}/app/dist`,
  },
];

for (const c of cases) {
  test(`containerProcess: ${c.name}`, async () => {
    const got = containerProcess(image, { ...base, ...c.container }, c.extraEnv ?? {}, options);
    if (c.argv) assert.deepEqual(got.argv, c.argv);
    if (c.env) assert.deepEqual(got.env, c.env);
    if (c.cwd) assert.equal(got.cwd, c.cwd);
  });
}

test("containerProcess: nothing to run is a DockerfileError that says what to add", async () => {
  assert.throws(
    () => containerProcess({ ...image, cmd: [] }, base, {}, options),
    (e: unknown) =>
      e instanceof DockerfileError && /no CMD or ENTRYPOINT.*`command`/.test(e.message),
  );
  // An entryPoint of [] with no command is as empty as no CMD at all.
  assert.throws(
    () => containerProcess(image, { ...base, entryPoint: [] }, {}, options),
    DockerfileError,
  );
});

test("containerProcess: a virtualenv comes first on PATH and is announced", async () => {
  const got = containerProcess({ ...image, venvDir: "/cache/h/venv" }, base, {}, options);
  assert.equal(got.env.PATH?.split(":")[0], "/cache/h/venv/bin");
  assert.equal(got.env.VIRTUAL_ENV, "/cache/h/venv");
});

test("hostSearchPath: dedupes and skips image entries the folder lacks", async () => {
  assert.equal(
    hostSearchPath("/opt/x/bin:/usr/bin", "/r", undefined, "/usr/bin:/bin:/usr/bin", () => false),
    "/usr/bin:/bin",
  );
});
