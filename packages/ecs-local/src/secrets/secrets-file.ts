/**
 * The secrets file: the local stand-in for Secrets Manager, SSM Parameter Store and the S3
 * objects behind environment files. Pure: the text in, a checked value out.
 *
 * ```json
 * {
 *   "secretsmanager": { "prod/db": { "username": "app", "password": "…" }, "App/Key/Resource": "…" },
 *   "ssm": { "/app/api-key": "…" },
 *   "s3": { "arn:aws:s3:::my-bucket/app.env": "A=1\nB=2" }
 * }
 * ```
 *
 * Every section is optional. `null` anywhere means "not filled in yet". Messages about the
 * file name sections and keys, never values, and never quote the file's text.
 */
import { SecretsError } from "../errors.js";

/** The sections of the secrets file, each keyed as `SecretReference.key` says. */
export const SECRETS_FILE_SECTIONS = ["secretsmanager", "ssm", "s3"] as const;
export type SecretsFileSection = (typeof SECRETS_FILE_SECTIONS)[number];

/** A JSON value as the file holds it. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * The checked content of a secrets file. Values are as written: a Secrets Manager value may be
 * a string or JSON; an SSM value is a string (numbers and booleans are taken as their text); an
 * S3 value is an environment file's text or an object of variables.
 */
export interface SecretsFile {
  readonly secretsmanager: Readonly<Record<string, JsonValue>>;
  readonly ssm: Readonly<Record<string, string | null>>;
  readonly s3: Readonly<Record<string, string | Readonly<Record<string, string>> | null>>;
}

/** A secrets file with nothing in it: what a missing file means. */
export const EMPTY_SECRETS_FILE: SecretsFile = { secretsmanager: {}, ssm: {}, s3: {} };

/**
 * Parses and checks the text of the secrets file `file` (named in messages). Every problem is
 * reported at once, by section and key.
 * @throws SecretsError when the text is not JSON or not shaped as a secrets file
 */
export function parseSecretsFile(text: string, file: string): SecretsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse's own message quotes the text around the error, which may be a secret.
    throw new SecretsError(
      `The secrets file ${file} is not valid JSON (${whereJsonFailed(text, error)}). Fix it, or move it away and run up again to get a template (${file}.template).`,
    );
  }
  if (!isObject(parsed)) {
    throw new SecretsError(
      `The secrets file ${file} holds ${describe(parsed)}; expected an object with the sections ${SECTION_LIST}. See "Secrets and environment files" in the ecs-local README.`,
    );
  }
  const problems: string[] = [];
  for (const section of Object.keys(parsed)) {
    if (!(SECRETS_FILE_SECTIONS as readonly string[]).includes(section)) {
      problems.push(`"${section}" is not a section; the sections are ${SECTION_LIST}`);
    }
  }
  const sectionOf = (name: SecretsFileSection): Readonly<Record<string, unknown>> => {
    const value = parsed[name];
    if (value === undefined || value === null) return {};
    if (isObject(value)) return value;
    problems.push(`section "${name}" is ${describe(value)}; expected an object of keys`);
    return {};
  };

  const secretsmanager: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(sectionOf("secretsmanager"))) {
    secretsmanager[key] = value as JsonValue;
  }
  const ssm: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(sectionOf("ssm"))) {
    const text = scalarText(value);
    if (text === undefined && value !== null) {
      problems.push(`ssm "${key}" is ${describe(value)}; an SSM parameter's value is a string`);
      continue;
    }
    ssm[key] = text ?? null;
  }
  const s3: Record<string, string | Record<string, string> | null> = {};
  for (const [key, value] of Object.entries(sectionOf("s3"))) {
    if (value === null || typeof value === "string") {
      s3[key] = value;
      continue;
    }
    if (isObject(value)) {
      const variables: Record<string, string> = {};
      for (const [name, variable] of Object.entries(value)) {
        const text = scalarText(variable);
        if (text === undefined) {
          problems.push(
            `s3 "${key}" variable "${name}" is ${describe(variable)}; a variable's value is a string`,
          );
        } else variables[name] = text;
      }
      s3[key] = variables;
      continue;
    }
    problems.push(
      `s3 "${key}" is ${describe(value)}; an environment file is a string of VARIABLE=VALUE lines or an object of variables`,
    );
  }
  if (problems.length > 0) {
    throw new SecretsError(
      `The secrets file ${file} is not shaped as ecs-local expects:\n${problems.map((p) => `  - ${p}`).join("\n")}\nFix these entries (see "Secrets and environment files" in the ecs-local README).`,
    );
  }
  return { secretsmanager, ssm, s3 };
}

/**
 * The text of a template for the secrets file: every key in `needed`, with `null` where a
 * value goes. A Secrets Manager key read by JSON key becomes an object of those keys.
 * It never holds a value.
 */
export function secretsFileTemplate(needed: readonly NeededKey[]): string {
  const sections: Record<SecretsFileSection, Record<string, JsonValue>> = {
    secretsmanager: {},
    ssm: {},
    s3: {},
  };
  for (const { section, key, jsonKey } of needed) {
    const entries = sections[section];
    const current = Object.hasOwn(entries, key) ? entries[key] : undefined;
    if (jsonKey === undefined) {
      if (current === undefined) entries[key] = null;
      continue;
    }
    entries[key] = { ...(isObject(current) ? current : {}), [jsonKey]: null };
  }
  const present = Object.fromEntries(
    SECRETS_FILE_SECTIONS.filter((s) => Object.keys(sections[s]).length > 0).map((s) => [
      s,
      sections[s],
    ]),
  );
  return `${JSON.stringify(present, null, 2)}\n`;
}

/** A key the secrets file must provide. */
export interface NeededKey {
  readonly section: SecretsFileSection;
  readonly key: string;
  /** For a Secrets Manager value read by JSON key: the field. */
  readonly jsonKey?: string;
}

const SECTION_LIST = SECRETS_FILE_SECTIONS.map((s) => `"${s}"`).join(", ");

/** A scalar as text (numbers and booleans as written); `undefined` for anything else. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** What kind of JSON value this is, without showing it. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/**
 * What went wrong in the JSON and where (line and column), from V8's message. Only the parts
 * of the message that describe the syntax are kept: some messages quote the text itself.
 */
function whereJsonFailed(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const match = /^(.*?)(?: in)? JSON at position (\d+)/.exec(message);
  if (match === null) {
    return /end of JSON input/.test(message) ? "it ends too early" : "a syntax error";
  }
  const what = (match[1] ?? "syntax error").replace(/ after$/, " after the JSON value");
  const position = Number(match[2]);
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  return `${what} at line ${line}, column ${column}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
