/**
 * A container's `Secrets` and `EnvironmentFiles` → typed references to where their values
 * live locally. Pure: nothing is read here; `loadSecretValues` reads the values at `up`.
 *
 * What CDK emits, and how each `ValueFrom` is understood once the intrinsics are resolved
 * (`Ref X` → `X`, pseudo parameters → the local stand-ins):
 * - a secret of this stack: `X` or `X:json-key:stage:id` (`Fn::Join` of `Ref X` and the
 *   suffix); an RDS secret attachment stands for the secret it attaches;
 * - an imported secret: `arn:<p>:secretsmanager:<r>:<a>:secret:<name>[:json-key:stage:id]`;
 * - an SSM parameter: `arn:<p>:ssm:<r>:<a>:parameter/<name>` or a bare name; for a parameter
 *   of this stack the name part is the parameter's logical ID;
 * - an environment file: `arn:<p>:s3:::<bucket>/<key>`, where a key that a file asset of the
 *   stack's asset manifest publishes to means the local file (`EnvironmentFile.fromAsset`).
 */
import { TemplateError } from "../errors.js";
import { resolve, resolveLogicalId } from "./intrinsics.js";
import type { PropertyReader } from "./property-reader.js";
import { type CfnResource, type FileAsset, originOf } from "./template.js";
import type { ContainerSecret, EnvironmentFileRef, Origin, SecretReference } from "./types.js";

const SECRET_TYPE = "AWS::SecretsManager::Secret";
const SECRET_ATTACHMENT_TYPE = "AWS::SecretsManager::SecretTargetAttachment";
const PARAMETER_TYPE = "AWS::SSM::Parameter";
const BUCKET_TYPE = "AWS::S3::Bucket";

/** `arn:<partition>:s3:::<bucket>/<key>` */
const S3_OBJECT_ARN = /^(arn:[^:]+:s3:::)([^/]+)\/(.+)$/;
/** The random suffix Secrets Manager appends to a secret's name in its complete ARN. */
const COMPLETE_ARN_SUFFIX = /^(.+)-[A-Za-z0-9]{6}$/;

/** The container's `Secrets`, each with the secrets-file key its value is found under. */
export function readContainerSecrets(
  read: PropertyReader,
  raw: unknown,
  prefix: string,
): ContainerSecret[] {
  return read.list(raw, `${prefix} Secrets`).map((item, i) => {
    const at = `${prefix} Secrets[${i}]`;
    const entry = read.object(item, at);
    const name = read.string(entry.Name, `${at}.Name`);
    const valueFrom = read.string(entry.ValueFrom, `${at}.ValueFrom`);
    return { name, valueFrom, reference: secretReference(read, valueFrom, `${at}.ValueFrom`) };
  });
}

/** The container's `EnvironmentFiles`, in template order. */
export function readEnvironmentFiles(
  read: PropertyReader,
  raw: unknown,
  prefix: string,
  fileAssets: Readonly<Record<string, FileAsset>>,
): EnvironmentFileRef[] {
  return read.list(raw, `${prefix} EnvironmentFiles`).map((item, i) => {
    const at = `${prefix} EnvironmentFiles[${i}]`;
    const entry = read.object(item, at);
    const type = read.string(entry.Type, `${at}.Type`);
    if (type.toLowerCase() !== "s3") {
      throw read.error(
        `${at}.Type is "${type}"; ECS supports only "s3".`,
        "Use ecs.EnvironmentFile.fromBucket or ecs.EnvironmentFile.fromAsset.",
      );
    }
    const valueFrom = read.string(entry.Value, `${at}.Value`);
    const match = S3_OBJECT_ARN.exec(valueFrom);
    if (match === null) {
      throw read.error(
        `${at}.Value is "${valueFrom}"; expected the ARN of an S3 object, arn:aws:s3:::<bucket>/<key>.`,
        "Use ecs.EnvironmentFile.fromBucket(bucket, key) or ecs.EnvironmentFile.fromAsset(path).",
      );
    }
    const [, arnPrefix = "", bucket = "", objectKey = ""] = match;
    const asset = Object.values(fileAssets).find((a) => a.objectKeys.includes(objectKey));
    if (asset !== undefined) return { source: "asset", path: asset.path, valueFrom };
    const bucketName = inStackBucketName(read, bucket);
    return {
      source: "s3",
      key: bucketName === undefined ? valueFrom : `${arnPrefix}${bucketName}/${objectKey}`,
      valueFrom,
    };
  });
}

function secretReference(read: PropertyReader, valueFrom: string, at: string): SecretReference {
  const parts = valueFrom.split(":");
  const head = parts[0] ?? "";
  if (head !== "arn") {
    const resource = resourceOf(read, head);
    if (resource !== undefined) return inStackReference(read, head, resource, parts.slice(1), at);
    // ECS takes a bare name as an SSM parameter of the task's region.
    return { section: "ssm", key: valueFrom };
  }
  const [, , service, , , resourceType] = parts;
  if (service === "secretsmanager" && resourceType === "secret" && parts[6]) {
    const name = parts[6];
    const shortKey = COMPLETE_ARN_SUFFIX.exec(name)?.[1];
    return {
      section: "secretsmanager",
      key: name,
      ...(shortKey === undefined ? {} : { shortKey }),
      ...secretSuffix(parts.slice(7)),
    };
  }
  if (service === "ssm") {
    const resourcePart = parts.slice(5).join(":");
    if (resourcePart.startsWith("parameter")) {
      // `parameter/app/api-key` names `/app/api-key`; `parameter/plain` names `plain`.
      // A parameter of this stack appears as `parameter/<LogicalId>` or `parameter<LogicalId>`.
      const tail = resourcePart.slice("parameter".length).replace(/^\//, "");
      const resource = resourceOf(read, tail);
      if (resource?.Type === PARAMETER_TYPE) {
        return inStackReference(read, tail, resource, [], at);
      }
      if (tail !== "") return { section: "ssm", key: tail.includes("/") ? `/${tail}` : tail };
    }
  }
  throw read.error(
    `${at} is "${valueFrom}"; expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>) or an SSM parameter ARN or name.`,
    "Use ecs.Secret.fromSecretsManager or ecs.Secret.fromSsmParameter.",
  );
}

/** A secret or parameter defined in this stack, found by the logical ID `ValueFrom` names. */
function inStackReference(
  read: PropertyReader,
  logicalId: string,
  resource: CfnResource,
  suffix: readonly string[],
  at: string,
): SecretReference {
  if (resource.Type === SECRET_ATTACHMENT_TYPE) {
    // `DatabaseCluster.secret` is the attachment; its Ref is the attached secret's ARN.
    const attachmentOrigin = originOf(logicalId, resource);
    const secretId = resolveLogicalId(resource.Properties?.SecretId, read.ctx, attachmentOrigin);
    const secret = secretId === undefined ? undefined : resourceOf(read, secretId);
    if (secretId !== undefined && secret?.Type === SECRET_TYPE) {
      return inStackReference(read, secretId, secret, suffix, at);
    }
    throw read.error(
      `${at} refers to the secret attachment ${attachmentOrigin.constructPath}, whose SecretId is not a secret of this stack.`,
      "Refer to the secret itself, or define the secret in this stack.",
    );
  }
  const origin = originOf(logicalId, resource);
  const properties = resource.Properties ?? {};
  const name = lenientString(read, properties.Name, origin);
  if (resource.Type === SECRET_TYPE) {
    const generated = properties.GenerateSecretString !== undefined;
    const literal = generated ? undefined : lenientString(read, properties.SecretString, origin);
    return {
      section: "secretsmanager",
      key: name ?? origin.constructPath,
      ...secretSuffix(suffix),
      definedIn: origin,
      ...(literal === undefined ? {} : { templateValue: literal }),
      ...(generated ? { generated: true } : {}),
    };
  }
  if (resource.Type === PARAMETER_TYPE) {
    const value = lenientString(read, properties.Value, origin);
    return {
      section: "ssm",
      key: name ?? origin.constructPath,
      definedIn: origin,
      ...(value === undefined ? {} : { templateValue: value }),
    };
  }
  throw read.error(
    `${at} refers to ${origin.constructPath}, a ${resource.Type}, which is neither a Secrets Manager secret nor an SSM parameter.`,
    "Point the secret at an AWS::SecretsManager::Secret or an AWS::SSM::Parameter.",
  );
}

/** `json-key:version-stage:version-id`, each part optional. */
function secretSuffix(
  parts: readonly string[],
): Pick<SecretReference, "jsonKey" | "versionStage" | "versionId"> {
  const [jsonKey, versionStage, versionId] = parts;
  return {
    ...(jsonKey ? { jsonKey } : {}),
    ...(versionStage ? { versionStage } : {}),
    ...(versionId ? { versionId } : {}),
  };
}

function resourceOf(read: PropertyReader, logicalId: string): CfnResource | undefined {
  const resources = read.ctx.template.Resources ?? {};
  return Object.hasOwn(resources, logicalId) ? resources[logicalId] : undefined;
}

/** An in-stack bucket's `BucketName`, when the ARN names the bucket by its logical ID. */
function inStackBucketName(read: PropertyReader, bucket: string): string | undefined {
  const resource = resourceOf(read, bucket);
  if (resource?.Type !== BUCKET_TYPE) return undefined;
  return lenientString(read, resource.Properties?.BucketName, originOf(bucket, resource));
}

/**
 * A property as a string when it resolves to one, else `undefined`: a name or value the
 * template cannot give locally (an `Fn::ImportValue`, say) is then asked of the secrets file
 * instead of stopping the model.
 */
function lenientString(read: PropertyReader, raw: unknown, origin: Origin): string | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = resolve(raw, read.ctx, origin);
    if (typeof value === "string") return value;
    return typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
  } catch (error) {
    if (error instanceof TemplateError) return undefined;
    throw error;
  }
}
