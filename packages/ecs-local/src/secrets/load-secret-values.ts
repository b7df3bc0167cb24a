/**
 * Reads what the containers' secrets and environment files need: the secrets file and the
 * app's environment-file assets. The I/O edge around `resolveSecrets`; `up` calls it after
 * building the model and before preparing any image, so a missing value stops the run before
 * anything starts.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { SecretsError } from "../errors.js";
import type { Model } from "../model/types.js";
import { resolveSecrets, secretProblemsMessage } from "./resolve-secrets.js";
import { SecretValues } from "./secret-values.js";
import {
  EMPTY_SECRETS_FILE,
  parseSecretsFile,
  type SecretsFile,
  secretsFileTemplate,
} from "./secrets-file.js";

/** The secrets file's name inside the state folder (`.ecs-local/secrets.json`). */
export const DEFAULT_SECRETS_FILE_NAME = "secrets.json";

export interface LoadSecretValuesOptions {
  readonly model: Model;
  /**
   * The secrets file. It need not exist when the template provides every value.
   * Conventionally `<state dir>/secrets.json`, or what `--secrets-file` names.
   */
  readonly secretsFile: string;
}

/**
 * The run's secret values, resolved and held in memory.
 * @throws SecretsError when values are missing (after writing `<secrets file>.template` with
 *   every needed key), when the secrets file is malformed, or when an environment-file asset
 *   cannot be read
 */
export async function loadSecretValues(options: LoadSecretValuesOptions): Promise<SecretValues> {
  const { model } = options;
  const containers = model.taskDefinitions.flatMap((t) =>
    t.containers.map((container) => ({ taskDefinition: t, container })),
  );
  if (
    !containers.some((c) => c.container.secrets.length + c.container.environmentFiles.length > 0)
  ) {
    return SecretValues.none;
  }
  const path = resolve(options.secretsFile);
  const { file, exists } = await readSecretsFile(path);

  const assetFiles = new Map<string, string>();
  for (const { taskDefinition, container } of containers) {
    for (const envFile of container.environmentFiles) {
      if (envFile.source !== "asset" || assetFiles.has(envFile.path)) continue;
      try {
        assetFiles.set(envFile.path, await readFile(envFile.path, "utf8"));
      } catch (error) {
        throw new SecretsError(
          `The environment file ${envFile.path} (EnvironmentFile.fromAsset) of container "${container.name}" in ${taskDefinition.origin.constructPath} cannot be read (${errorCode(error)}). Check that the file exists where the CDK app says, then run up again.`,
        );
      }
    }
  }

  const resolution = resolveSecrets(model, file, assetFiles);
  if (resolution.problems.length > 0) {
    const anyMissing = resolution.problems.some((p) => p.kind === "missing");
    const templateFile = anyMissing ? `${path}.template` : undefined;
    if (templateFile !== undefined) {
      await mkdir(dirname(templateFile), { recursive: true });
      await writeFile(templateFile, secretsFileTemplate(resolution.needed));
    }
    throw new SecretsError(
      secretProblemsMessage(resolution.problems, {
        path,
        exists,
        ...(templateFile === undefined ? {} : { templateFile }),
      }),
      templateFile === undefined ? undefined : { templateFile },
    );
  }

  const { fromSecretsFile, fromTemplate, fromAssets } = resolution.counts;
  const sources = [
    fromSecretsFile > 0 ? `${fromSecretsFile} from ${path}` : "",
    fromTemplate > 0 ? `${fromTemplate} from the template` : "",
    fromAssets > 0 ? `${fromAssets} environment file(s) from the app's files` : "",
  ].filter((s) => s !== "");
  return new SecretValues(
    resolution.containers,
    `▸ secrets and environment files: ${sources.join(", ")} (values are never shown)`,
  );
}

async function readSecretsFile(path: string): Promise<{ file: SecretsFile; exists: boolean }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return { file: EMPTY_SECRETS_FILE, exists: false };
    throw new SecretsError(
      `The secrets file ${path} cannot be read (${errorCode(error)}). Check its permissions, or pass another file with --secrets-file <path>.`,
    );
  }
  return { file: parseSecretsFile(text, path), exists: true };
}

function errorCode(error: unknown): string {
  return (error as { code?: string }).code ?? String(error);
}
