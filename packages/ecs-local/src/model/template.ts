/**
 * The parts of a CloudFormation template ecs-local reads, typed loosely on purpose: values are
 * `unknown` until a reader resolves and checks them, because any of them may be an intrinsic.
 */
import type { Origin } from "./types.js";

export interface CfnTemplate {
  readonly Description?: string;
  readonly Parameters?: Readonly<Record<string, CfnParameter>>;
  readonly Mappings?: Readonly<Record<string, unknown>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<Record<string, unknown>>;
}

export interface CfnParameter {
  readonly Type?: string;
  readonly Default?: unknown;
  readonly Description?: string;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly Metadata?: Readonly<Record<string, unknown>>;
}

/**
 * A Docker image asset from the stack's asset manifest: what CDK would build and push under
 * the asset hash. With `--no-staging` the directory is the source folder itself.
 */
export interface ImageAsset {
  /** Absolute path of the build context. */
  readonly directory: string;
  /** Dockerfile relative to `directory`; `undefined` means `Dockerfile`. */
  readonly dockerFile?: string;
  readonly dockerBuildArgs?: Readonly<Record<string, string>>;
  readonly dockerBuildTarget?: string;
}

/**
 * A file asset from the stack's asset manifest (`files`): what CDK would upload to its assets
 * bucket under `objectKeys`. With `--no-staging` the path is the source file itself.
 */
export interface FileAsset {
  /** Absolute path of the file. */
  readonly path: string;
  /** The object keys the asset is published under, one per destination (usually one). */
  readonly objectKeys: readonly string[];
}

/** The resource's origin: its logical ID and the CDK construct path when the template has one. */
export function originOf(logicalId: string, resource: CfnResource | undefined): Origin {
  const path = resource?.Metadata?.["aws:cdk:path"];
  return { logicalId, constructPath: typeof path === "string" ? path : logicalId };
}

/** `DependsOn` as a list, whichever of its two CloudFormation forms the template uses. */
export function dependsOnOf(resource: CfnResource): readonly string[] {
  const value = resource.DependsOn;
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

/** One active resource of the template (its `Condition`, if any, holds), with its origin. */
export interface ResourceEntry {
  readonly logicalId: string;
  readonly resource: CfnResource;
  readonly origin: Origin;
}

/** The entries of one resource type, in template order. */
export function entriesOfType(
  entries: readonly ResourceEntry[],
  ...types: readonly string[]
): readonly ResourceEntry[] {
  return entries.filter((entry) => types.includes(entry.resource.Type));
}
