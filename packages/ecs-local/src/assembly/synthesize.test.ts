// The success path runs in model/build-model.app-infra.test.ts (one real synth is enough);
// these are the failures, with the real CDK CLI.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { AssemblyError } from "../errors.js";
import { findCdkBinary, synthesize } from "./synthesize.js";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..", "..");

describe("synthesize", { timeout: 120_000 }, () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ecs-local-app-"));
  });
  after(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("finds the cdk binary the repository installs", () => {
    assert.equal(
      findCdkBinary(join(repoRoot, "app", "infra")),
      join(repoRoot, "node_modules", ".bin", "cdk"),
    );
  });

  it("refuses a folder without cdk.json", async () => {
    await assert.rejects(
      synthesize({ appDir: dir, outDir: join(dir, "out") }),
      (error: unknown) =>
        error instanceof AssemblyError &&
        error.message ===
          `${dir} has no cdk.json; run ecs-local in a CDK app folder or pass --app <dir>.`,
    );
  });

  it("reports the tail of stderr when the app fails", async () => {
    const app = join(dir, "app.mjs");
    await writeFile(app, 'console.error("the stack is broken: no VPC"); process.exit(3);\n');
    await writeFile(join(dir, "cdk.json"), JSON.stringify({ app: `node ${app}` }));
    const cdkBinary = findCdkBinary(repoRoot);
    assert.ok(cdkBinary);
    await assert.rejects(
      synthesize({ appDir: dir, outDir: join(dir, "out"), cdkBinary }),
      (error: unknown) => {
        assert.ok(error instanceof AssemblyError);
        assert.match(error.message, /cdk synth failed in .* \(exit \d+\)/);
        assert.match(error.message, /the stack is broken: no VPC/);
        assert.match(error.message, /check that `npx cdk synth` succeeds/);
        return true;
      },
    );
  });

  it("says so when the CDK CLI cannot start", async () => {
    await assert.rejects(
      synthesize({ appDir: dir, outDir: join(dir, "out"), cdkBinary: join(dir, "no-such-cdk") }),
      (error: unknown) =>
        error instanceof AssemblyError &&
        /Could not start the CDK CLI.*npm install --save-dev aws-cdk/.test(error.message),
    );
  });
});
