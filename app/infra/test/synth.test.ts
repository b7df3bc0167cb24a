import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";

const infraDirectory = join(__dirname, "..");

test("`cdk synth` works offline without AWS credentials and emits both services", async (t) => {
  const outdir = mkdtempSync(join(tmpdir(), "infra-synth-"));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("AWS_") && !key.startsWith("CDK_"),
    ),
  );
  const { stdout } = await promisify(execFile)(
    "npx",
    ["cdk", "synth", "--output", outdir, "--json", "EcsServiceConnectStack"],
    { cwd: infraDirectory, env: { ...env, AWS_EC2_METADATA_DISABLED: "true" }, timeout: 120_000 },
  );
  const printed = JSON.parse(stdout);
  const services = Object.values(printed.Resources).filter(
    (r) => (r as { Type: string }).Type === "AWS::ECS::Service",
  ) as { Properties: { ServiceName: string } }[];
  assert.deepEqual(services.map((s) => s.Properties.ServiceName).sort(), [
    "backend-service",
    "frontend-service",
  ]);
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  assert.ok(manifest.artifacts.EcsServiceConnectStack, "the cloud assembly names the stack");
});
