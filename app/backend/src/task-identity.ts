import { hostname } from "node:os";
import { TaskMetadataError } from "./errors.js";

/** Which ECS task answered, read from the task metadata endpoint v4. */
export interface EcsTaskIdentity {
  readonly taskArn: string;
  /** Last path segment of the ARN: the ID the ECS console and `ecs-local ps` show. */
  readonly taskId: string;
  /** `null` when the endpoint omits it (older agents on the EC2 launch type). */
  readonly availabilityZone: string | null;
}

/** Which process answered, when there is no task metadata endpoint (or it failed). */
export interface LocalIdentity {
  readonly hostname: string;
  readonly pid: number;
}

export type TaskIdentity = EcsTaskIdentity | LocalIdentity;

/** Returns the identity to report; cheap after the first call. */
export type TaskIdentityResolver = () => Promise<TaskIdentity>;

/** The slice of a pino logger the resolver needs. */
export interface WarnLogger {
  warn(object: object, message: string): void;
}

export interface TaskIdentityOptions {
  /** Value of `ECS_CONTAINER_METADATA_URI_V4`; `undefined` reports the local identity. */
  readonly metadataUri: string | undefined;
  /** Where a failed lookup is reported. */
  readonly log: WarnLogger;
  /**
   * Give up on the endpoint after this long. @default 2000
   * Short because a request is waiting on it; the agent answers in milliseconds when healthy.
   */
  readonly timeoutMs?: number;
  /**
   * After a failed lookup, serve the local identity for this long before asking again. @default 30000
   * So a down endpoint costs one timeout per period, not one per request.
   */
  readonly retryAfterMs?: number;
}

/** The identity of this process, used outside ECS and whenever the metadata lookup fails. */
export function localIdentity(): LocalIdentity {
  return { hostname: hostname(), pid: process.pid };
}

/**
 * Creates a resolver that reads `${metadataUri}/task` once and caches the answer for the life of
 * the process (a task's ARN and zone never change). Concurrent first callers share one lookup.
 * A failed lookup is logged as a warning and answered with {@link localIdentity}; it never throws.
 */
export function createTaskIdentityResolver(options: TaskIdentityOptions): TaskIdentityResolver {
  const { metadataUri, log, timeoutMs = 2000, retryAfterMs = 30_000 } = options;
  if (metadataUri === undefined) {
    const identity = Promise.resolve(localIdentity());
    return () => identity;
  }
  const url = `${metadataUri}/task`;
  let current: { identity: Promise<TaskIdentity>; expiresAt: number } | undefined;

  return () => {
    if (current === undefined || Date.now() >= current.expiresAt) {
      const entry = {
        identity: Promise.resolve<TaskIdentity>(localIdentity()),
        expiresAt: Infinity,
      };
      entry.identity = fetchTaskIdentity(url, timeoutMs).catch((error: unknown) => {
        entry.expiresAt = Date.now() + retryAfterMs;
        log.warn(
          { err: error, url, retryAfterMs },
          `task metadata unavailable, reporting hostname and pid instead: ${messageOf(error)}`,
        );
        return localIdentity();
      });
      current = entry;
    }
    return current.identity;
  };
}

/** Reads the task metadata endpoint v4 `/task` document. @throws TaskMetadataError */
export async function fetchTaskIdentity(url: string, timeoutMs: number): Promise<EcsTaskIdentity> {
  let body: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      // Drain the body so the keep-alive socket goes back to the pool instead of leaking.
      await response.body?.cancel();
      throw new TaskMetadataError(url, `HTTP ${response.status} ${response.statusText}`);
    }
    body = await response.json();
  } catch (error) {
    if (error instanceof TaskMetadataError) throw error;
    throw new TaskMetadataError(url, describe(error), { cause: error });
  }
  return parseTaskMetadata(url, body);
}

/**
 * Picks the fields the backend reports out of a task metadata v4 `/task` document.
 * @throws TaskMetadataError when `TaskARN` is missing or not an ARN with a task ID.
 */
export function parseTaskMetadata(url: string, body: unknown): EcsTaskIdentity {
  const document =
    typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const taskArn = document.TaskARN;
  // arn:aws:ecs:<region>:<account>:task/<cluster>/<id>; the old format has no cluster segment.
  const taskId = typeof taskArn === "string" ? taskArn.split("/").slice(1).at(-1) : undefined;
  if (typeof taskArn !== "string" || taskId === undefined || taskId === "") {
    throw new TaskMetadataError(
      url,
      `expected a JSON object whose TaskARN looks like arn:aws:ecs:…:task/<cluster>/<id>, ` +
        `got TaskARN=${JSON.stringify(taskArn)}`,
    );
  }
  const zone = document.AvailabilityZone;
  return {
    taskArn,
    taskId,
    availabilityZone: typeof zone === "string" && zone !== "" ? zone : null,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** "fetch failed" alone says nothing; walk the cause chain down to the socket error. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 5; ) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join(": ");
}
