import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AssemblyError, UsageError } from "../errors.js";
import { pickStack, readCloudAssembly } from "./cloud-assembly.js";

const HASH = "b".repeat(64);

/** Writes a cloud assembly laid out as `cdk synth` does, with one stack in a nested stage. */
async function writeAssembly(dir: string): Promise<void> {
  const json = (file: string, value: unknown) => writeFile(join(dir, file), JSON.stringify(value));
  await json("manifest.json", {
    version: "55.0.0",
    artifacts: {
      "Top.assets": { type: "cdk:asset-manifest", properties: { file: "Top.assets.json" } },
      Top: {
        type: "aws:cloudformation:stack",
        properties: { templateFile: "Top.template.json", stackName: "top-stack" },
        dependencies: ["Top.assets"],
        displayName: "Top",
      },
      assemblyProd: { type: "cdk:cloud-assembly", properties: { directoryName: "assembly-Prod" } },
      Tree: { type: "cdk:tree", properties: { file: "tree.json" } },
    },
  });
  await json("Top.template.json", { Resources: { Q: { Type: "AWS::SQS::Queue" } } });
  await json("Top.assets.json", {
    version: "55.0.0",
    files: {
      ["e".repeat(64)]: {
        source: { path: "/app/config/app.env", packaging: "file" },
        destinations: {
          "current_account-current_region": {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CDK's placeholder syntax, kept literally in asset manifests
            bucketName: "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}",
            objectKey: `${"e".repeat(64)}.env`,
          },
        },
      },
      ["f".repeat(64)]: { source: { path: "asset.lambda", packaging: "zip" }, destinations: {} },
      ["0".repeat(64)]: {
        source: { path: "Top.template.json", packaging: "file" },
        destinations: { d: { objectKey: `${"0".repeat(64)}.json` } },
      },
    },
    dockerImages: {
      [HASH]: {
        source: {
          directory: "asset.web",
          dockerFile: "web.Dockerfile",
          dockerBuildArgs: { NODE: "20" },
          dockerBuildTarget: "run",
        },
        destinations: {},
      },
      ["c".repeat(64)]: { source: { executable: ["build.sh"] }, destinations: {} },
    },
  });
  await mkdir(join(dir, "assembly-Prod"));
  await writeFile(
    join(dir, "assembly-Prod", "manifest.json"),
    JSON.stringify({
      version: "55.0.0",
      artifacts: {
        ProdApi1234: {
          type: "aws:cloudformation:stack",
          properties: { templateFile: "ProdApi1234.template.json", stackName: "Prod-Api" },
          displayName: "Prod/Api",
        },
      },
    }),
  );
  await writeFile(
    join(dir, "assembly-Prod", "ProdApi1234.template.json"),
    JSON.stringify({ Resources: {} }),
  );
}

describe("readCloudAssembly", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ecs-local-assembly-"));
    await writeAssembly(dir);
  });
  after(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it("lists stacks with templates, nested stages included", () => {
    const assembly = readCloudAssembly(dir);
    assert.deepEqual(
      assembly.stacks.map((s) => [s.artifactId, s.stackName, s.displayName]),
      [
        ["Top", "top-stack", "Top"],
        ["ProdApi1234", "Prod-Api", "Prod/Api"],
      ],
    );
    assert.deepEqual(assembly.stacks[0]?.template, {
      Resources: { Q: { Type: "AWS::SQS::Queue" } },
    });
  });

  it("reads image assets, resolving a relative directory against the assembly", () => {
    const [top] = readCloudAssembly(dir).stacks;
    assert.deepEqual(top?.imageAssets, {
      [HASH]: {
        directory: join(dir, "asset.web"),
        dockerFile: "web.Dockerfile",
        dockerBuildArgs: { NODE: "20" },
        dockerBuildTarget: "run",
      },
    });
  });

  it("reads single-file assets with their object keys, leaving zipped folders out", () => {
    const [top] = readCloudAssembly(dir).stacks;
    assert.deepEqual(top?.fileAssets, {
      ["e".repeat(64)]: { path: "/app/config/app.env", objectKeys: [`${"e".repeat(64)}.env`] },
      ["0".repeat(64)]: {
        path: join(dir, "Top.template.json"),
        objectKeys: [`${"0".repeat(64)}.json`],
      },
    });
  });

  it("picks a stack by name, or the only one, or asks for --stack", () => {
    const assembly = readCloudAssembly(dir);
    assert.equal(pickStack(assembly, "Prod/Api").artifactId, "ProdApi1234");
    assert.equal(pickStack(assembly, "top-stack").artifactId, "Top");
    assert.throws(
      () => pickStack(assembly),
      (error: unknown) =>
        error instanceof UsageError &&
        /2 stacks: Top, Prod\/Api\. Pass one of them with --stack/.test(error.message),
    );
    assert.throws(
      () => pickStack(assembly, "Nope"),
      (error: unknown) =>
        error instanceof UsageError && /no stack "Nope".*Top, Prod\/Api/.test(error.message),
    );
    const single = { ...assembly, stacks: assembly.stacks.slice(0, 1) };
    assert.equal(pickStack(single).stackName, "top-stack");
  });

  it("says what to do when the folder is not a cloud assembly", async () => {
    const empty = await mkdtemp(join(tmpdir(), "ecs-local-empty-"));
    try {
      assert.throws(
        () => readCloudAssembly(empty),
        (error: unknown) =>
          error instanceof AssemblyError && /no manifest\.json.*Run cdk synth/.test(error.message),
      );
      await writeFile(join(empty, "manifest.json"), "{not json");
      assert.throws(
        () => readCloudAssembly(empty),
        (error: unknown) =>
          error instanceof AssemblyError && /not valid JSON.*synthesize again/.test(error.message),
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
