/**
 * Pages of list results, as the AWS APIs hand them out: at most `maxResults` (else the
 * operation's documented default) items, and a `nextToken` while more remain; the last page
 * has none. Tokens are opaque to clients; here they carry the offset of the next page, so a
 * list that changes between calls may skip or repeat an item, as any offset paging does.
 * Pure.
 */
import { AwsApiError } from "../../errors.js";

export interface PageOptions {
  /** The token of the previous page, if this is not the first. */
  readonly nextToken?: string | undefined;
  readonly maxResults?: number | undefined;
  /** The page size when the request gives none (ECS ListServices 10, ListTasks 100, …). */
  readonly defaultSize: number;
  /** The error code for a token this API did not hand out. */
  readonly invalidTokenCode: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

export function paginate<T>(items: readonly T[], options: PageOptions): Page<T> {
  const offset = options.nextToken === undefined ? 0 : offsetOf(options.nextToken, options);
  const size = options.maxResults ?? options.defaultSize;
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: tokenFor(end) } : {}),
  };
}

function tokenFor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), "utf8").toString("base64url");
}

function offsetOf(token: string, options: PageOptions): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      offset?: unknown;
    };
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through to the error below
  }
  throw new AwsApiError(
    options.invalidTokenCode,
    "The nextToken is not one this API handed out; start again without it.",
  );
}
