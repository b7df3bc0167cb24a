/**
 * The model's secret references and environment files, resolved against the secrets file's
 * content and the text of the app's environment-file assets. Pure: same input, same values.
 *
 * A value comes from the secrets file when it has the key (and the entry is not `null`), else
 * from the template when the template carries one (an in-stack SSM parameter's `Value`, an
 * in-stack secret's literal `SecretString`); otherwise it is missing. Problems never show a
 * value: they name the section, the key, the field, and where the value is used.
 */
import type { ContainerDefinition, Model, Origin, SecretReference } from "../model/types.js";
import { mergeEnvFiles, parseEnvFile } from "./env-file.js";
import {
  type JsonValue,
  type NeededKey,
  SECRETS_FILE_SECTIONS,
  type SecretsFile,
  type SecretsFileSection,
} from "./secrets-file.js";

/** A container's resolved values. Held in memory only. */
export interface ContainerValues {
  /** The variables of its environment files, merged in order (the first file wins). */
  readonly fromFiles: Readonly<Record<string, string>>;
  /** Its `Secrets`, by environment variable. */
  readonly secrets: Readonly<Record<string, string>>;
}

/** Where a value is used: for messages. */
export interface SecretUse {
  readonly taskDefinition: Origin;
  readonly container: string;
  /** The environment variable a secret sets; `undefined` for an environment file. */
  readonly variable?: string;
}

/** A value that cannot be had, with every place that needs it. */
export interface SecretProblem {
  /** `missing`: not in the file (or `null`); `unusable`: there, but not of a usable shape. */
  readonly kind: "missing" | "unusable";
  readonly section: SecretsFileSection;
  readonly key: string;
  readonly jsonKey?: string;
  /** For `unusable`: what is wrong, in words that show no value. */
  readonly reason?: string;
  /** The secret or parameter resource when the stack defines it. */
  readonly definedIn?: Origin;
  readonly generated?: boolean;
  readonly uses: readonly SecretUse[];
}

export interface SecretResolution {
  /** Values by task definition logical ID, then container name. */
  readonly containers: ReadonlyMap<string, ReadonlyMap<string, ContainerValues>>;
  readonly problems: readonly SecretProblem[];
  /** Every key the secrets file must provide, once each: what its template lists. */
  readonly needed: readonly NeededKey[];
  /** How many values came from where, for the line `up` prints. */
  readonly counts: {
    readonly fromSecretsFile: number;
    readonly fromTemplate: number;
    readonly fromAssets: number;
  };
}

type Lookup = { readonly value: string } | Omit<SecretProblem, "uses">;

/**
 * Resolves every container's secrets and environment files.
 * @param assetFiles the text of each environment-file asset by its path (read by the caller)
 */
export function resolveSecrets(
  model: Model,
  file: SecretsFile,
  assetFiles: ReadonlyMap<string, string>,
): SecretResolution {
  const containers = new Map<string, Map<string, ContainerValues>>();
  const problems = new Map<string, { problem: Omit<SecretProblem, "uses">; uses: SecretUse[] }>();
  const needed = new Map<string, NeededKey>();
  const counts = { fromSecretsFile: 0, fromTemplate: 0, fromAssets: 0 };

  const need = (key: NeededKey) => {
    needed.set(JSON.stringify([key.section, key.key, key.jsonKey ?? null]), key);
  };
  const report = (problem: Omit<SecretProblem, "uses">, use: SecretUse) => {
    const id = JSON.stringify([
      problem.kind,
      problem.section,
      problem.key,
      problem.jsonKey ?? null,
      problem.reason ?? null,
    ]);
    const entry = problems.get(id) ?? { problem, uses: [] };
    entry.uses.push(use);
    problems.set(id, entry);
  };

  for (const taskDefinition of model.taskDefinitions) {
    const byContainer = new Map<string, ContainerValues>();
    for (const container of taskDefinition.containers) {
      const use = { taskDefinition: taskDefinition.origin, container: container.name };
      byContainer.set(
        container.name,
        resolveContainer(container, file, assetFiles, {
          need,
          report: (problem, variable) =>
            report(problem, variable === undefined ? use : { ...use, variable }),
          count: (source) => {
            counts[source] += 1;
          },
        }),
      );
    }
    containers.set(taskDefinition.origin.logicalId, byContainer);
  }
  return {
    containers,
    problems: [...problems.values()].map(({ problem, uses }) => ({ ...problem, uses })),
    needed: [...needed.values()],
    counts,
  };
}

interface Sink {
  need(key: NeededKey): void;
  report(problem: Omit<SecretProblem, "uses">, variable?: string): void;
  count(source: "fromSecretsFile" | "fromTemplate" | "fromAssets"): void;
}

function resolveContainer(
  container: ContainerDefinition,
  file: SecretsFile,
  assetFiles: ReadonlyMap<string, string>,
  sink: Sink,
): ContainerValues {
  const envFiles: Record<string, string>[] = [];
  for (const envFile of container.environmentFiles) {
    if (envFile.source === "asset") {
      const text = assetFiles.get(envFile.path);
      if (text === undefined) throw new Error(`environment file ${envFile.path} was not read`);
      envFiles.push(parseEnvFile(text));
      sink.count("fromAssets");
      continue;
    }
    sink.need({ section: "s3", key: envFile.key });
    const entry = Object.hasOwn(file.s3, envFile.key) ? file.s3[envFile.key] : undefined;
    if (entry === undefined || entry === null) {
      sink.report({ kind: "missing", section: "s3", key: envFile.key });
      continue;
    }
    envFiles.push(typeof entry === "string" ? parseEnvFile(entry) : { ...entry });
    sink.count("fromSecretsFile");
  }

  const secrets: Record<string, string> = {};
  for (const secret of container.secrets) {
    const { reference } = secret;
    if (reference.templateValue === undefined) {
      sink.need({
        section: reference.section,
        key: reference.key,
        ...(reference.jsonKey === undefined ? {} : { jsonKey: reference.jsonKey }),
      });
    }
    const found = lookUp(reference, file);
    if ("value" in found) {
      secrets[secret.name] = found.value;
      sink.count(isInFile(reference, file) ? "fromSecretsFile" : "fromTemplate");
    } else {
      // A field the template's own value lacks must come from the file, too.
      if (found.kind === "missing")
        sink.need({
          section: found.section,
          key: found.key,
          ...(found.jsonKey === undefined ? {} : { jsonKey: found.jsonKey }),
        });
      sink.report(found, secret.name);
    }
  }
  return { fromFiles: mergeEnvFiles(envFiles), secrets };
}

/** The entry for a reference in its section: by key, else by short key; `null` is no entry. */
function entryOf(reference: SecretReference, file: SecretsFile): JsonValue | undefined {
  const section: Readonly<Record<string, JsonValue>> = file[reference.section];
  for (const key of [reference.key, reference.shortKey]) {
    if (key === undefined || !Object.hasOwn(section, key)) continue;
    const entry = section[key];
    if (entry !== null && entry !== undefined) return entry;
  }
  return undefined;
}

function isInFile(reference: SecretReference, file: SecretsFile): boolean {
  return entryOf(reference, file) !== undefined;
}

function lookUp(reference: SecretReference, file: SecretsFile): Lookup {
  const about = {
    section: reference.section,
    key: reference.key,
    ...(reference.jsonKey === undefined ? {} : { jsonKey: reference.jsonKey }),
    ...(reference.definedIn === undefined ? {} : { definedIn: reference.definedIn }),
    ...(reference.generated ? { generated: true } : {}),
  };
  const entry = entryOf(reference, file) ?? reference.templateValue;
  if (entry === undefined) return { kind: "missing", ...about };
  if (reference.jsonKey === undefined) return { value: asText(entry) };

  // ECS reads the field of the secret's JSON value; the file may hold that JSON as an object.
  const object = typeof entry === "string" ? parseJsonObject(entry) : entry;
  if (!isObject(object)) {
    return {
      kind: "unusable",
      ...about,
      reason: `its value is not a JSON object, so its field "${reference.jsonKey}" cannot be read`,
    };
  }
  const field = Object.hasOwn(object, reference.jsonKey) ? object[reference.jsonKey] : undefined;
  if (field === undefined || field === null) return { kind: "missing", ...about };
  return { value: asText(field) };
}

/** A value as the container sees it: strings as they are, anything else as compact JSON. */
function asText(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function parseJsonObject(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Readonly<Record<string, JsonValue>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The message for problems with the secrets file: every missing or unusable value, each with
 * its section and key and the containers that need it, then what to do.
 */
export function secretProblemsMessage(
  problems: readonly SecretProblem[],
  secretsFile: { readonly path: string; readonly exists: boolean; readonly templateFile?: string },
): string {
  // Grouped by section, in the file's order of sections; within one, in the template's order.
  const sorted = [...problems].sort(
    (a, b) => SECRETS_FILE_SECTIONS.indexOf(a.section) - SECRETS_FILE_SECTIONS.indexOf(b.section),
  );
  const missing = sorted.filter((p) => p.kind === "missing");
  const unusable = sorted.filter((p) => p.kind === "unusable");
  const lines: string[] = [];
  if (missing.length > 0) {
    lines.push(
      `${missing.length} secret value(s) the containers need ${missing.length === 1 ? "is" : "are"} not in the secrets file ${secretsFile.path}${secretsFile.exists ? "" : " (there is no such file)"}, so nothing was started:`,
      ...missing.map((p) => `  - ${describeProblem(p)}`),
    );
  }
  if (unusable.length > 0) {
    lines.push(
      `${unusable.length} value(s) in the secrets file ${secretsFile.path} cannot be used:`,
      ...unusable.map((p) => `  - ${describeProblem(p)}`),
    );
  }
  if (missing.length > 0) {
    lines.push(
      `Add each one under its section and key in ${secretsFile.path}, or pass another file with --secrets-file <path>.` +
        (secretsFile.templateFile === undefined
          ? ""
          : ` ${secretsFile.templateFile} lists every key this app needs, with null where a value goes: copy it to ${secretsFile.path} and fill it in.`),
    );
  }
  if (unusable.length > 0) lines.push(`Fix those entries in ${secretsFile.path}.`);
  lines.push('The format is in "Secrets and environment files" in the ecs-local README.');
  return lines.join("\n");
}

function describeProblem(problem: SecretProblem): string {
  const field = problem.jsonKey === undefined ? "" : ` field "${problem.jsonKey}"`;
  let origin = "";
  if (problem.definedIn !== undefined) {
    const generated = problem.generated ? ", its value generated at deploy" : "";
    origin =
      problem.definedIn.constructPath === problem.key
        ? ` (defined in this stack${generated})`
        : ` (defined in this stack at ${problem.definedIn.constructPath}${generated})`;
  }
  const reason = problem.reason === undefined ? "" : `: ${problem.reason}`;
  const uses = problem.uses
    .map(
      (use) =>
        `${use.variable === undefined ? "an environment file" : use.variable} of container "${use.container}" in ${use.taskDefinition.constructPath}`,
    )
    .join("; ");
  return `${problem.section} "${problem.key}"${field}${origin}${reason} → ${uses}`;
}
