/**
 * Typed access to an operation's input, with AWS's errors for what is missing or malformed:
 * a required member that is absent, a member of the wrong type, a value out of range. The
 * error codes are the service's own (ECS `InvalidParameterException`, Cloud Map
 * `InvalidInput`, Application Auto Scaling `ValidationException`, CloudWatch
 * `MissingParameter` / `InvalidParameterValue`); a JSON member of the wrong type is a
 * `SerializationException`, as AWS answers it. Pure.
 */
import { AwsApiError } from "../../errors.js";

/** The error codes an input reader throws, from the service's protocol. */
export interface InputErrorCodes {
  readonly invalidParameter: string;
  readonly missingParameter: string;
}

export class InputReader {
  readonly #input: Readonly<Record<string, unknown>>;
  readonly #codes: InputErrorCodes;
  readonly #stringScalars: boolean;
  readonly #path: string;

  /**
   * `stringScalars`: numbers and booleans may come as text (the Query protocol sends every
   * value so); in JSON they must have their JSON type.
   */
  constructor(
    input: Readonly<Record<string, unknown>>,
    codes: InputErrorCodes,
    options: { readonly stringScalars?: boolean; readonly path?: string } = {},
  ) {
    this.#input = input;
    this.#codes = codes;
    this.#stringScalars = options.stringScalars ?? false;
    this.#path = options.path ?? "";
  }

  #where(name: string): string {
    return this.#path === "" ? name : `${this.#path}.${name}`;
  }

  #raw(name: string): unknown {
    const value = this.#input[name];
    return value === null ? undefined : value;
  }

  /** A value of the wrong type: a SerializationException in JSON, the service's own code in Query. */
  #wrongType(name: string, expected: string, value: unknown): AwsApiError {
    const message = `Expected ${expected} for '${this.#where(name)}', got ${JSON.stringify(value)}.`;
    return new AwsApiError(
      this.#stringScalars ? this.#codes.invalidParameter : "SerializationException",
      message,
    );
  }

  #missing(name: string): AwsApiError {
    return new AwsApiError(
      this.#codes.missingParameter,
      `1 validation error detected: Value null at '${this.#where(name)}' failed to satisfy constraint: Member must not be null`,
    );
  }

  /** The service's error for a value it refuses, with AWS's wording. */
  invalid(name: string, value: unknown, constraint: string): AwsApiError {
    return new AwsApiError(
      this.#codes.invalidParameter,
      `1 validation error detected: Value ${JSON.stringify(value)} at '${this.#where(name)}' failed to satisfy constraint: ${constraint}`,
    );
  }

  has(name: string): boolean {
    return this.#raw(name) !== undefined;
  }

  /** Every member present, for operations that refuse members they do not emulate. */
  names(): string[] {
    return Object.keys(this.#input).filter((name) => this.has(name));
  }

  string(name: string): string | undefined {
    const value = this.#raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw this.#wrongType(name, "a string", value);
    return value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw this.#missing(name);
    if (value === "")
      throw this.invalid(name, value, "Member must have length greater than or equal to 1");
    return value;
  }

  /** One of `allowed`, or undefined when absent. */
  choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw this.invalid(
        name,
        value,
        `Member must satisfy enum value set: [${allowed.join(", ")}]`,
      );
    }
    return value as T;
  }

  integer(
    name: string,
    range: { readonly min?: number; readonly max?: number } = {},
  ): number | undefined {
    let value = this.#raw(name);
    if (value === undefined) return undefined;
    if (this.#stringScalars && typeof value === "string" && /^-?\d+$/.test(value)) {
      value = Number(value);
    }
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw this.#wrongType(name, "an integer", value);
    }
    if (range.min !== undefined && value < range.min) {
      throw this.invalid(
        name,
        value,
        `Member must have value greater than or equal to ${range.min}`,
      );
    }
    if (range.max !== undefined && value > range.max) {
      throw this.invalid(name, value, `Member must have value less than or equal to ${range.max}`);
    }
    return value;
  }

  requiredInteger(
    name: string,
    range: { readonly min?: number; readonly max?: number } = {},
  ): number {
    const value = this.integer(name, range);
    if (value === undefined) throw this.#missing(name);
    return value;
  }

  boolean(name: string): boolean | undefined {
    let value = this.#raw(name);
    if (value === undefined) return undefined;
    if (this.#stringScalars && (value === "true" || value === "false")) value = value === "true";
    if (typeof value !== "boolean") throw this.#wrongType(name, "a boolean", value);
    return value;
  }

  /**
   * A timestamp: epoch seconds (the JSON protocols' default), or ISO 8601 text (the Query
   * protocol's, also accepted in JSON).
   */
  timestamp(name: string): Date | undefined {
    const value = this.#raw(name);
    if (value === undefined) return undefined;
    const date =
      typeof value === "number"
        ? new Date(value * 1000)
        : typeof value === "string"
          ? /^\d+(\.\d+)?$/.test(value)
            ? new Date(Number(value) * 1000)
            : new Date(value)
          : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      throw this.#wrongType(name, "a timestamp (epoch seconds or ISO 8601)", value);
    }
    return date;
  }

  requiredTimestamp(name: string): Date {
    const value = this.timestamp(name);
    if (value === undefined) throw this.#missing(name);
    return value;
  }

  #list(
    name: string,
    options: { readonly required?: boolean; readonly max?: number },
  ): unknown[] | undefined {
    const value = this.#raw(name);
    if (value === undefined) {
      if (options.required) throw this.#missing(name);
      return undefined;
    }
    if (!Array.isArray(value)) throw this.#wrongType(name, "a list", value);
    if (options.max !== undefined && value.length > options.max) {
      throw this.invalid(
        name,
        `${value.length} items`,
        `Member must have length less than or equal to ${options.max}`,
      );
    }
    return value;
  }

  stringList(
    name: string,
    options: { readonly required?: boolean; readonly max?: number } = {},
  ): string[] | undefined {
    const list = this.#list(name, options);
    if (list === undefined) return undefined;
    return list.map((item, i) => {
      if (typeof item !== "string") throw this.#wrongType(`${name}[${i}]`, "a string", item);
      return item;
    });
  }

  /** A structure member, read the same way. */
  object(name: string, options: { readonly required?: boolean } = {}): InputReader | undefined {
    const value = this.#raw(name);
    if (value === undefined) {
      if (options.required) throw this.#missing(name);
      return undefined;
    }
    if (typeof value !== "object" || Array.isArray(value)) {
      throw this.#wrongType(name, "a structure", value);
    }
    return this.#child(value as Record<string, unknown>, this.#where(name));
  }

  /** A list of structures. */
  objectList(
    name: string,
    options: { readonly required?: boolean; readonly max?: number } = {},
  ): InputReader[] | undefined {
    const list = this.#list(name, options);
    if (list === undefined) return undefined;
    return list.map((item, i) => {
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        throw this.#wrongType(`${name}[${i}]`, "a structure", item);
      }
      return this.#child(item as Record<string, unknown>, `${this.#where(name)}.${i + 1}`);
    });
  }

  /** A map of strings to strings (Cloud Map's query parameters). */
  stringMap(name: string): Record<string, string> | undefined {
    const value = this.#raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== "object" || Array.isArray(value))
      throw this.#wrongType(name, "a map", value);
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== "string") throw this.#wrongType(`${name}.${key}`, "a string", item);
    }
    return value as Record<string, string>;
  }

  #child(input: Record<string, unknown>, path: string): InputReader {
    return new InputReader(input, this.#codes, { stringScalars: this.#stringScalars, path });
  }
}
