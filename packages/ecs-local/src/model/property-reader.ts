/**
 * Typed reads of one resource's properties: resolve the intrinsics, check the type, and on a
 * mismatch throw a TemplateError that names the construct path and the property.
 */
import { TemplateError } from "../errors.js";
import { type ResolveContext, resolve, resolveLogicalId } from "./intrinsics.js";
import type { Origin } from "./types.js";

export interface PropertyReader {
  readonly origin: Origin;
  readonly ctx: ResolveContext;
  /** The resolved value, `undefined` when absent or `AWS::NoValue`. */
  value(raw: unknown): unknown;
  string(raw: unknown, property: string): string;
  optionalString(raw: unknown, property: string): string | undefined;
  /** Numbers may be written as strings in CloudFormation (`"256"`). */
  number(raw: unknown, property: string): number;
  optionalNumber(raw: unknown, property: string): number | undefined;
  optionalBoolean(raw: unknown, property: string): boolean | undefined;
  /** A list whose items are left raw, for the caller to read one by one. */
  list(raw: unknown, property: string): readonly unknown[];
  /** An object whose values are left raw. */
  object(raw: unknown, property: string): Readonly<Record<string, unknown>>;
  stringList(raw: unknown, property: string): readonly string[] | undefined;
  /** The logical ID a reference points to, if it names a resource of this template. */
  logicalId(raw: unknown): string | undefined;
  /** A TemplateError about this resource. */
  error(problem: string, fix: string): TemplateError;
}

export function propertyReader(ctx: ResolveContext, origin: Origin): PropertyReader {
  const error = (problem: string, fix: string) =>
    new TemplateError(origin.logicalId, origin.constructPath, problem, fix);
  const wrongType = (property: string, expected: string, value: unknown) =>
    error(
      `${property} is ${JSON.stringify(value)}; expected ${expected}.`,
      `Fix ${property} in the CDK code that defines this construct.`,
    );
  const value = (raw: unknown) => (raw === undefined ? undefined : resolve(raw, ctx, origin));

  const optionalString = (raw: unknown, property: string) => {
    const resolved = value(raw);
    if (resolved === undefined) return undefined;
    if (typeof resolved === "string") return resolved;
    if (typeof resolved === "number") return String(resolved);
    throw wrongType(property, "a string", resolved);
  };
  const optionalNumber = (raw: unknown, property: string) => {
    const resolved = value(raw);
    if (resolved === undefined) return undefined;
    const number =
      typeof resolved === "string" && resolved.trim() !== "" ? Number(resolved) : resolved;
    if (typeof number === "number" && Number.isFinite(number)) return number;
    throw wrongType(property, "a number", resolved);
  };

  return {
    origin,
    ctx,
    value,
    optionalString,
    string(raw, property) {
      const resolved = optionalString(raw, property);
      if (resolved === undefined) {
        throw error(`has no ${property}.`, `Set ${property}; CloudFormation requires it.`);
      }
      return resolved;
    },
    optionalNumber,
    number(raw, property) {
      const resolved = optionalNumber(raw, property);
      if (resolved === undefined) {
        throw error(`has no ${property}.`, `Set ${property}; CloudFormation requires it.`);
      }
      return resolved;
    },
    optionalBoolean(raw, property) {
      const resolved = value(raw);
      if (resolved === undefined) return undefined;
      if (resolved === true || resolved === "true") return true;
      if (resolved === false || resolved === "false") return false;
      throw wrongType(property, "true or false", resolved);
    },
    list(raw, property) {
      if (raw === undefined) return [];
      // Resolve only the list's shape (an Fn::If may choose the list); items stay raw.
      const shaped = Array.isArray(raw) ? raw : value(raw);
      if (shaped === undefined) return [];
      if (!Array.isArray(shaped)) throw wrongType(property, "a list", shaped);
      // An item that is itself an intrinsic (an `Fn::If` with `AWS::NoValue`) is resolved here.
      return shaped
        .map((item) => (isIntrinsic(item) ? value(item) : item))
        .filter((item) => item !== undefined);
    },
    object(raw, property) {
      if (raw === undefined) return {};
      if (typeof raw === "object" && raw !== null && !Array.isArray(raw) && !isIntrinsic(raw)) {
        return raw as Record<string, unknown>;
      }
      const resolved = value(raw);
      if (resolved === undefined) return {};
      if (typeof resolved !== "object" || resolved === null || Array.isArray(resolved)) {
        throw wrongType(property, "an object", resolved);
      }
      return resolved as Record<string, unknown>;
    },
    stringList(raw, property) {
      const resolved = value(raw);
      if (resolved === undefined) return undefined;
      if (
        !Array.isArray(resolved) ||
        !resolved.every((item) => typeof item === "string" || typeof item === "number")
      ) {
        throw wrongType(property, "a list of strings", resolved);
      }
      return resolved.map(String);
    },
    logicalId(raw) {
      return resolveLogicalId(raw, ctx, origin);
    },
    error,
  };
}

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0]?.startsWith("Fn::") === true);
}
