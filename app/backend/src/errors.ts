/**
 * The backend's error catalogue. Every error the backend raises on purpose is a `BackendError`
 * with a stable `code`, so callers (and log queries) can match on the code rather than the text.
 */

/** Stable identifiers for the backend's intended failures. */
export type BackendErrorCode = "BACKEND_INVALID_CONFIG" | "BACKEND_TASK_METADATA";

/** Base class: a stable `code`, a message that says what to do, and the underlying `cause`. */
export class BackendError extends Error {
  readonly code: BackendErrorCode;

  constructor(code: BackendErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An environment variable holds a value the backend cannot use. */
export class ConfigError extends BackendError {
  readonly variable: string;
  readonly value: string;

  constructor(variable: string, value: string, expected: string) {
    super(
      "BACKEND_INVALID_CONFIG",
      `${variable}=${JSON.stringify(value)} is invalid: expected ${expected}. ` +
        `Fix or unset ${variable} and start again.`,
    );
    this.variable = variable;
    this.value = value;
  }
}

/** The ECS task metadata endpoint could not be read or answered something unusable. */
export class TaskMetadataError extends BackendError {
  readonly url: string;

  constructor(url: string, reason: string, options?: ErrorOptions) {
    super("BACKEND_TASK_METADATA", `task metadata from ${url}: ${reason}`, options);
    this.url = url;
  }
}
