import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import { BuildStepFailedError } from "../errors.js";
import { type ImageProgress, type PreparedImage, prepareImage } from "./build-steps.js";
import { containerProcess } from "./container-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../../..");
const polyglot = path.resolve(here, "../../test/fixtures/polyglot-app/services");

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` with its content, to prove a folder was left alone. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const p = path.join(dir, name);
    out[name] = (await stat(p)).isDirectory() ? "<dir>" : await readFile(p, "utf8");
  }
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start a prepared container's process and wait until `url` answers. */
async function startAndWait(
  t: TestContext,
  prepared: PreparedImage,
  env: Record<string, string>,
  url: string,
): Promise<ChildProcess> {
  const proc = containerProcess(prepared, { name: "c", environment: env });
  // Its own process group: `npm run start` forks node, and the whole group must go at the end.
  const child = spawn(proc.argv[0] as string, proc.argv.slice(1), {
    cwd: proc.cwd,
    env: proc.env,
    stdio: "pipe",
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  t.after(() => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  });
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(
    `${proc.argv.join(" ")} did not answer at ${url}; exit ${child.exitCode}; output:\n${output}`,
  );
}

test("prepareImage: npm build runs in the cache copy, honours .dockerignore, is cached", async (t) => {
  const context = await tempDir(t, "ecs-local-ctx-");
  const cacheDir = await tempDir(t, "ecs-local-cache-");
  // A path the RUN step writes as a container path; it must land in the cache, not on the host.
  const hostProbe = `/ecs-local-probe-${process.pid}-${Date.now()}`;
  await writeFile(
    path.join(context, "package.json"),
    JSON.stringify({
      name: "t",
      version: "1.0.0",
      private: true,
      scripts: { build: "node build.js" },
    }),
  );
  await writeFile(
    path.join(context, "build.js"),
    "require('fs').mkdirSync('out',{recursive:true}); require('fs').writeFileSync('out/built.txt', process.env.NODE_ENV);\n",
  );
  await writeFile(path.join(context, "secret.txt"), "do not copy");
  await writeFile(path.join(context, "debug.log"), "noise");
  await writeFile(path.join(context, "keep.log"), "kept");
  await mkdir(path.join(context, "lib"));
  await writeFile(path.join(context, "lib/a.js"), "module.exports = 1;\n");
  await writeFile(path.join(context, "lib/a.test.js"), "test\n");
  await writeFile(
    path.join(context, ".dockerignore"),
    "secret.txt\n*.log\n!keep.log\n**/*.test.js\n",
  );
  await writeFile(
    path.join(context, "Dockerfile"),
    [
      "FROM node:20",
      "RUN apt-get update && apt-get install -y curl",
      "ENV NODE_ENV=production",
      "WORKDIR /app",
      "COPY package*.json ./",
      "RUN npm install",
      "COPY . .",
      `RUN npm run build && mkdir -p ${hostProbe} && echo hi > ${hostProbe}/x.txt`,
      'CMD ["node", "/app/lib/a.js"]',
    ].join("\n"),
  );
  const before = await snapshot(context);

  const events: ImageProgress[] = [];
  const started = Date.now();
  const first = await prepareImage({
    contextDir: context,
    cacheDir,
    onProgress: (e) => events.push(e),
  });
  t.diagnostic(`first prepare: ${Date.now() - started} ms`);

  assert.equal(first.cached, false);
  assert.equal(first.workdirHostPath, path.join(first.rootDir, "app"));
  assert.ok(first.rootDir.startsWith(cacheDir));
  assert.equal(await readFile(path.join(first.rootDir, "app/out/built.txt"), "utf8"), "production");
  assert.equal(await readFile(path.join(first.rootDir, `${hostProbe}/x.txt`), "utf8"), "hi\n");
  assert.equal(existsSync(hostProbe), false, "a container path in RUN must not touch the host");
  assert.equal(existsSync(path.join(first.rootDir, "app/secret.txt")), false);
  assert.equal(existsSync(path.join(first.rootDir, "app/debug.log")), false);
  assert.equal(existsSync(path.join(first.rootDir, "app/keep.log")), true);
  assert.equal(existsSync(path.join(first.rootDir, "app/lib/a.test.js")), false);
  assert.equal(existsSync(path.join(first.rootDir, "app/lib/a.js")), true);
  assert.equal(first.venvDir, undefined);
  assert.match(first.notices.join("\n"), /the host must provide curl/);
  assert.ok(events.some((e) => e.type === "skipped"));
  assert.deepEqual(await snapshot(context), before, "the context folder is unchanged");

  const second = await prepareImage({
    contextDir: context,
    cacheDir,
    onProgress: (e) => events.push(e),
  });
  assert.equal(second.cached, true);
  assert.equal(second.rootDir, first.rootDir);
  assert.equal(events.at(-1)?.type, "cached");

  // A change to an ignored file keeps the cache; a change to a copied file does not.
  await writeFile(path.join(context, "debug.log"), "more noise");
  assert.equal((await prepareImage({ contextDir: context, cacheDir })).cached, true);
  await writeFile(path.join(context, "lib/a.js"), "module.exports = 2;\n");
  const third = await prepareImage({ contextDir: context, cacheDir });
  assert.equal(third.cached, false);
  assert.notEqual(third.contentHash, first.contentHash);
});

test("prepareImage: a failing step reports step, exit code and output tail, and is not marked done", async (t) => {
  const context = await tempDir(t, "ecs-local-ctx-");
  const cacheDir = await tempDir(t, "ecs-local-cache-");
  await writeFile(
    path.join(context, "Dockerfile"),
    `FROM node:20\nWORKDIR /app\nRUN node -e "console.log('one'); console.error('two'); process.exit(3)"\n`,
  );
  const err = await prepareImage({ contextDir: context, cacheDir }).then(
    () => assert.fail("expected the build to fail"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BuildStepFailedError, String(err));
  assert.equal(err.code, "ECS_LOCAL_BUILD");
  assert.equal(err.exitCode, 3);
  assert.deepEqual(err.outputTail.toSorted(), ["one", "two"]);
  assert.match(err.message, /line 3: RUN node -e .* exited with code 3/);
  const builds = await readdir(cacheDir);
  assert.equal(builds.length, 1);
  assert.equal(existsSync(path.join(cacheDir, builds[0] as string, "done")), false);
});

/** Whether the interpreter prepareImage will use can import flask (Debian: apt-get install python3-flask). */
function hostHasFlask(): boolean {
  const python =
    process.env.ECS_LOCAL_PYTHON ??
    (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
  return spawnSync(python, ["-c", "import flask"]).status === 0;
}

test("polyglot fixture: Flask api in a virtualenv and the npm web app run and talk", {
  timeout: 240_000,
}, async (t) => {
  assert.ok(hostHasFlask(), "the host Python needs flask: apt-get install -y python3-flask");
  const cacheDir = await tempDir(t, "ecs-local-cache-");
  const apiBefore = await snapshot(path.join(polyglot, "api"));
  const webBefore = await snapshot(path.join(polyglot, "web"));

  let started = Date.now();
  const api = await prepareImage({ contextDir: path.join(polyglot, "api"), cacheDir });
  t.diagnostic(`api prepare: ${Date.now() - started} ms`);
  assert.ok(api.venvDir);
  assert.equal(spawnSync(path.join(api.venvDir, "bin/python"), ["-c", "import flask"]).status, 0);
  assert.deepEqual(api.cmd, ["python", "app.py"]);
  assert.match(api.notices.join("\n"), /the host must provide curl/);

  started = Date.now();
  const web = await prepareImage({ contextDir: path.join(polyglot, "web"), cacheDir });
  t.diagnostic(`web prepare: ${Date.now() - started} ms`);
  assert.ok(existsSync(path.join(web.rootDir, "usr/src/app/build/info.json")));

  const apiPort = await freePort();
  await startAndWait(t, api, { PORT: String(apiPort) }, `http://127.0.0.1:${apiPort}/`);
  const answer = (await (await fetch(`http://127.0.0.1:${apiPort}/`)).json()) as {
    message: string;
    pid: number;
  };
  assert.equal(answer.message, "Hello from Flask");

  const webPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}/`;
  await startAndWait(
    t,
    web,
    { PORT: String(webPort), API_URL: apiUrl },
    `http://127.0.0.1:${webPort}/health`,
  );
  const page = await (await fetch(`http://127.0.0.1:${webPort}/`)).text();
  assert.match(page, /<p id="message">Hello from Flask<\/p>/);
  assert.match(page, new RegExp(`<span id="pid">${answer.pid}</span>`));

  assert.deepEqual(await snapshot(path.join(polyglot, "api")), apiBefore);
  assert.deepEqual(await snapshot(path.join(polyglot, "web")), webBefore);
});

test("the repository's app/backend: npm ci + build in the cache, then GET /healthcheck", {
  timeout: 300_000,
}, async (t) => {
  const contextDir = path.join(repo, "app/backend");
  const cacheDir = await tempDir(t, "ecs-local-cache-");
  const started = Date.now();
  const prepared = await prepareImage({ contextDir, cacheDir });
  t.diagnostic(`backend prepare: ${Date.now() - started} ms`);
  assert.ok(existsSync(path.join(prepared.rootDir, "app/dist/server.js")));
  assert.ok(existsSync(path.join(prepared.rootDir, "app/node_modules/fastify")));
  assert.equal(
    existsSync(path.join(prepared.rootDir, "app/node_modules/typescript")),
    false,
    "npm ci --omit=dev",
  );

  const port = await freePort();
  await startAndWait(
    t,
    prepared,
    { PORT: String(port), HOST: "127.0.0.1" },
    `http://127.0.0.1:${port}/healthcheck`,
  );
  const res = await fetch(`http://127.0.0.1:${port}/healthcheck`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "OK");
});
