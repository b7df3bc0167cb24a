import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  forgetAssembly,
  isCachedAssembly,
  nearestLockFile,
  rememberAssembly,
  synthKey,
} from "./synth-cache.js";

async function project(t: { after: (fn: () => Promise<void>) => void }) {
  const root = await mkdtemp(join(tmpdir(), "ecs-local-synthkey-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const app = join(root, "infra");
  await mkdir(join(app, "lib"), { recursive: true });
  await writeFile(join(root, "package-lock.json"), '{"lockfileVersion": 3}');
  await writeFile(join(app, "cdk.json"), '{"app": "npx tsx bin/app.ts"}');
  await writeFile(join(app, "lib", "stack.ts"), "export const x = 1;");
  return { root, app };
}

test("the key changes with the app's sources, cdk.json, -c values, the lock file and CDK_* env", async (t) => {
  const { root, app } = await project(t);
  const key = (context = {}, env: NodeJS.ProcessEnv = {}) =>
    synthKey({ appDir: app, context, env });
  const base = await key();
  assert.equal(await key(), base, "same inputs, same key");

  await writeFile(join(app, "lib", "stack.ts"), "export const x = 2;");
  const edited = await key();
  assert.notEqual(edited, base);

  await writeFile(join(app, "cdk.json"), '{"app": "npx tsx bin/app.ts", "context": {"a": 1}}');
  const config = await key();
  assert.notEqual(config, edited);

  assert.notEqual(await key({ stage: "dev" }), config);
  assert.notEqual(await key({}, { CDK_DEFAULT_REGION: "eu-west-1" }), config);

  await writeFile(join(root, "package-lock.json"), '{"lockfileVersion": 3, "x": 1}');
  assert.notEqual(await key(), config);
});

test("dependencies, outputs and ecs-local's own state do not change the key", async (t) => {
  const { app } = await project(t);
  const before = await synthKey({ appDir: app, context: {}, env: {} });
  for (const dir of ["node_modules/aws-cdk-lib", "cdk.out", ".ecs-local/run", "lib/node_modules"]) {
    await mkdir(join(app, dir), { recursive: true });
    await writeFile(join(app, dir, "file.js"), String(Math.random()));
  }
  assert.equal(await synthKey({ appDir: app, context: {}, env: {} }), before);
});

test("the lock file is the nearest one above the app", async (t) => {
  const { root, app } = await project(t);
  assert.equal(nearestLockFile(app), join(root, "package-lock.json"));
  await writeFile(join(app, "package-lock.json"), "{}");
  assert.equal(nearestLockFile(app), join(app, "package-lock.json"));
});

test("an assembly is reused only when complete and synthesized under the same key", async (t) => {
  const { root } = await project(t);
  const out = join(root, "cdk.out");
  assert.equal(isCachedAssembly(out, "k1"), false);
  await mkdir(out);
  rememberAssembly(out, "k1");
  assert.equal(isCachedAssembly(out, "k1"), false, "no manifest.json yet");
  await writeFile(join(out, "manifest.json"), "{}");
  assert.equal(isCachedAssembly(out, "k1"), true);
  assert.equal(isCachedAssembly(out, "k2"), false);
  forgetAssembly(out);
  assert.equal(isCachedAssembly(out, "k1"), false, "forgotten before a new synth");
});
