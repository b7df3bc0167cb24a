/**
 * Reads a cloud assembly (the output folder of `cdk synth`): its stacks, their templates and
 * the Docker image and file assets of each stack's asset manifest. Nested assemblies (CDK stages) are
 * read too, so a stack inside a stage is found like any other.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { AssemblyError, UsageError } from "../errors.js";
import type { CfnTemplate, FileAsset, ImageAsset } from "../model/template.js";

/** A cloud assembly as ecs-local reads it. */
export interface CloudAssembly {
  /** Absolute path of the assembly folder. */
  readonly directory: string;
  readonly stacks: readonly StackArtifact[];
}

/** One stack of a cloud assembly: its names, its template and its image assets. */
export interface StackArtifact {
  /** The artifact ID in manifest.json (for a stack in a stage, e.g. `StageStack1A2B3C4D`). */
  readonly artifactId: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The name `cdk` shows (`Stage/Stack` for stacks in stages). */
  readonly displayName: string;
  readonly templateFile: string;
  readonly template: CfnTemplate;
  /** Docker image assets by asset hash. */
  readonly imageAssets: Readonly<Record<string, ImageAsset>>;
  /** File assets by asset hash (single files only; folders packaged as zip are left out). */
  readonly fileAssets: Readonly<Record<string, FileAsset>>;
}

interface ManifestArtifact {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, unknown>>;
  readonly dependencies?: readonly string[];
  readonly displayName?: string;
}

/**
 * Reads the cloud assembly in `outDir` (a `cdk synth` output folder). Throws an AssemblyError
 * when the folder holds no manifest.json or a template cannot be read.
 */
export function readCloudAssembly(outDir: string): CloudAssembly {
  const directory = resolve(outDir);
  return { directory, stacks: readStacks(directory) };
}

function readStacks(directory: string): StackArtifact[] {
  const manifestFile = join(directory, "manifest.json");
  if (!existsSync(manifestFile)) {
    throw new AssemblyError(
      `${directory} has no manifest.json, so it is not a cloud assembly. Run cdk synth (or let ecs-local run it) and point ecs-local at its output folder.`,
    );
  }
  const manifest = readJson(manifestFile);
  const artifacts = (
    isObject(manifest) && isObject(manifest.artifacts) ? manifest.artifacts : {}
  ) as Readonly<Record<string, ManifestArtifact>>;
  const stacks: StackArtifact[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === "cdk:cloud-assembly") {
      const nested = artifact.properties?.directoryName;
      if (typeof nested === "string") stacks.push(...readStacks(resolve(directory, nested)));
      continue;
    }
    if (artifact.type !== "aws:cloudformation:stack") continue;
    const templateName = artifact.properties?.templateFile;
    if (typeof templateName !== "string") {
      throw new AssemblyError(
        `Stack ${artifactId} in ${manifestFile} has no templateFile. The cloud assembly looks damaged; delete ${directory} and synthesize again.`,
      );
    }
    const templateFile = resolve(directory, templateName);
    const template = readJson(templateFile);
    if (!isObject(template)) {
      throw new AssemblyError(
        `${templateFile} is not a CloudFormation template (not a JSON object).`,
      );
    }
    const stackName = artifact.properties?.stackName;
    stacks.push({
      artifactId,
      stackName: typeof stackName === "string" ? stackName : artifactId,
      displayName: artifact.displayName ?? artifactId,
      templateFile,
      template: template as CfnTemplate,
      ...readAssets(directory, artifactId, artifact, artifacts),
    });
  }
  return stacks;
}

/** Image and file assets from the asset manifests the stack depends on (CDK's `<stack>.assets`). */
function readAssets(
  directory: string,
  artifactId: string,
  artifact: ManifestArtifact,
  artifacts: Readonly<Record<string, ManifestArtifact>>,
): Pick<StackArtifact, "imageAssets" | "fileAssets"> {
  const files = (artifact.dependencies ?? []).flatMap((dependency) => {
    const candidate = artifacts[dependency];
    const file = candidate?.properties?.file;
    return candidate?.type === "cdk:asset-manifest" && typeof file === "string" ? [file] : [];
  });
  // Older assemblies do not list the asset manifest as a dependency; CDK names it after the stack.
  if (files.length === 0 && existsSync(join(directory, `${artifactId}.assets.json`))) {
    files.push(`${artifactId}.assets.json`);
  }
  const imageAssets: Record<string, ImageAsset> = {};
  const fileAssets: Record<string, FileAsset> = {};
  for (const name of files) {
    const file = resolve(directory, name);
    const manifest = readJson(file);
    // With --no-staging a source is absolute; a staged one is relative to the manifest.
    const located = (source: string) =>
      isAbsolute(source) ? source : resolve(dirname(file), source);
    const images =
      isObject(manifest) && isObject(manifest.dockerImages) ? manifest.dockerImages : {};
    for (const [hash, entry] of Object.entries(images)) {
      const source = isObject(entry) && isObject(entry.source) ? entry.source : {};
      // Assets built by an executable (`executable` instead of `directory`) have no folder.
      if (typeof source.directory !== "string") continue;
      const buildArgs = isObject(source.dockerBuildArgs)
        ? Object.fromEntries(Object.entries(source.dockerBuildArgs).map(([k, v]) => [k, String(v)]))
        : undefined;
      imageAssets[hash] = {
        directory: located(source.directory),
        ...(typeof source.dockerFile === "string" ? { dockerFile: source.dockerFile } : {}),
        ...(buildArgs === undefined ? {} : { dockerBuildArgs: buildArgs }),
        ...(typeof source.dockerBuildTarget === "string"
          ? { dockerBuildTarget: source.dockerBuildTarget }
          : {}),
      };
    }
    const fileEntries = isObject(manifest) && isObject(manifest.files) ? manifest.files : {};
    for (const [hash, entry] of Object.entries(fileEntries)) {
      const source = isObject(entry) && isObject(entry.source) ? entry.source : {};
      // Folders are zipped on upload; only single files can be environment files.
      if (typeof source.path !== "string" || (source.packaging ?? "file") !== "file") continue;
      const destinations =
        isObject(entry) && isObject(entry.destinations) ? Object.values(entry.destinations) : [];
      fileAssets[hash] = {
        path: located(source.path),
        objectKeys: destinations.flatMap((d) =>
          isObject(d) && typeof d.objectKey === "string" ? [d.objectKey] : [],
        ),
      };
    }
  }
  return { imageAssets, fileAssets };
}

/**
 * The stack to run: the one named (by stack name, display name or artifact ID), or the only
 * one. With several stacks and no name the user must choose.
 */
export function pickStack(assembly: CloudAssembly, name?: string): StackArtifact {
  const names = assembly.stacks.map((stack) => stack.displayName).join(", ");
  if (assembly.stacks.length === 0) {
    throw new AssemblyError(
      `The cloud assembly in ${assembly.directory} has no stacks. Add a Stack to the CDK app (new MyStack(app, "MyStack")).`,
    );
  }
  if (name !== undefined) {
    const found = assembly.stacks.find(
      (stack) =>
        stack.stackName === name || stack.displayName === name || stack.artifactId === name,
    );
    if (found === undefined) {
      throw new UsageError(
        `There is no stack "${name}"; the app has: ${names}. Pass one of them with --stack.`,
      );
    }
    return found;
  }
  const [only, ...others] = assembly.stacks;
  if (only === undefined || others.length > 0) {
    throw new UsageError(
      `The app has ${assembly.stacks.length} stacks: ${names}. Pass one of them with --stack <name>.`,
    );
  }
  return only;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new AssemblyError(
      `Cannot read ${file}: ${(error as Error).message}. Synthesize the app again.`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AssemblyError(
      `${file} is not valid JSON: ${(error as Error).message}. Delete the cloud assembly folder and synthesize again.`,
      { cause: error },
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
