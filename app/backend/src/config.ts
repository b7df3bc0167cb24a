import { ConfigError } from "./errors.js";

/** Everything the backend reads from its environment, parsed and validated. */
export interface BackendConfig {
  /** Interface to bind. @default "0.0.0.0" (every interface, as a container port mapping needs) */
  readonly host: string;
  /** TCP port. `0` asks the OS for a free one (used by tests). @default 5000 */
  readonly port: number;
  /** Text of `GET /api/message`; `undefined` keeps the app's default. */
  readonly message: string | undefined;
  /** ECS task metadata endpoint v4 base URL; `undefined` outside ECS (and ecs-local). */
  readonly metadataUri: string | undefined;
}

export const DEFAULT_HOST = "0.0.0.0";
export const DEFAULT_PORT = 5000;

/**
 * Reads the backend's configuration from `env`.
 *
 * An empty variable counts as unset: task definitions and Dockerfiles can set a variable to ""
 * but cannot unset one an image already defines.
 *
 * @throws ConfigError naming the variable, its value and what is expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv): BackendConfig {
  return {
    host: nonEmpty(env.HOST) ?? DEFAULT_HOST,
    port: parsePort(nonEmpty(env.PORT)),
    message: nonEmpty(env.MESSAGE),
    metadataUri: parseMetadataUri(nonEmpty(env.ECS_CONTAINER_METADATA_URI_V4)),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  // Number() alone would accept " 80", "0x50" and "1e3"; a port is plain decimal digits.
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new ConfigError(
      "PORT",
      raw,
      `an integer from 0 to 65535 (0 picks a free port; unset means ${DEFAULT_PORT})`,
    );
  }
  return port;
}

function parseMetadataUri(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("ECS_CONTAINER_METADATA_URI_V4", raw, "an http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError("ECS_CONTAINER_METADATA_URI_V4", raw, "an http:// or https:// URL");
  }
  // ECS gives the URI without a trailing slash; tolerate one so `${uri}/task` stays well formed.
  return raw.replace(/\/+$/, "");
}
