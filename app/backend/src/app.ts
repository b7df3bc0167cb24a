import cors from "@fastify/cors";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { AccessLogController } from "./access-log.js";
import { createTaskIdentityResolver } from "./task-identity.js";

/** Text of `GET /api/message`, as in the original Express walk-through. */
export const DEFAULT_MESSAGE = "Hello from Fastify!";

export interface AppOptions {
  /** Text of `GET /api/message`. @default DEFAULT_MESSAGE */
  readonly message?: string;
  /** Where `servedBy` comes from. @default local identity (hostname and pid) */
  readonly taskIdentity?: {
    /** `ECS_CONTAINER_METADATA_URI_V4`; unset outside ECS. */
    readonly metadataUri?: string;
    /** @default 2000 */
    readonly timeoutMs?: number;
    /** @default 30000 */
    readonly retryAfterMs?: number;
  };
  /**
   * Fastify/pino logger options. @default true (pino JSON to stdout, level info)
   * Tests pass `false`, or `{ stream }` to read the lines back.
   */
  readonly logger?: FastifyServerOptions["logger"];
}

const identitySchemas = [
  {
    type: "object",
    required: ["taskArn", "taskId", "availabilityZone"],
    additionalProperties: false,
    properties: {
      taskArn: { type: "string" },
      taskId: { type: "string" },
      availabilityZone: { type: ["string", "null"] },
    },
  },
  {
    type: "object",
    required: ["hostname", "pid"],
    additionalProperties: false,
    properties: { hostname: { type: "string" }, pid: { type: "integer" } },
  },
];

const messageSchema = {
  response: {
    200: {
      type: "object",
      required: ["message", "servedBy"],
      additionalProperties: false,
      properties: { message: { type: "string" }, servedBy: { anyOf: identitySchemas } },
    },
  },
};

const healthcheckSchema = { response: { 200: { type: "string" } } };

/** Same shape as Fastify's built-in 404, stated here so it is part of the API, not an accident. */
const notFoundSchema = {
  type: "object",
  required: ["error", "message", "statusCode"],
  additionalProperties: false,
  properties: {
    error: { type: "string" },
    message: { type: "string" },
    statusCode: { type: "integer" },
  },
};

/**
 * Builds the backend: `GET /healthcheck`, `GET /api/message`, open CORS, JSON 404s and one log
 * line per request (see {@link AccessLogController}). Reads no environment; `server.ts` turns the environment into options.
 */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const message = options.message ?? DEFAULT_MESSAGE;
  const app = Fastify({
    logger: options.logger ?? true,
    logController: new AccessLogController(),
  });
  const resolveIdentity = createTaskIdentityResolver({
    metadataUri: options.taskIdentity?.metadataUri,
    timeoutMs: options.taskIdentity?.timeoutMs,
    retryAfterMs: options.taskIdentity?.retryAfterMs,
    log: app.log,
  });

  // The original Express app used cors() with no options: every origin may read every route.
  app.register(cors, { origin: "*" });

  app.get("/healthcheck", { schema: healthcheckSchema }, async (_request, reply) => {
    // Plain text so `curl -f` health checks and humans read the same thing.
    return reply.type("text/plain; charset=utf-8").send("OK");
  });

  app.get("/api/message", { schema: messageSchema }, async () => {
    return { message, servedBy: await resolveIdentity() };
  });

  app.setNotFoundHandler(async (request, reply) => {
    const body = {
      error: "Not Found",
      message: `Route ${request.method} ${request.url} not found`,
      statusCode: 404,
    };
    // Not-found handlers take no route schema, so serialize through the schema explicitly.
    return reply
      .code(404)
      .type("application/json; charset=utf-8")
      .send(reply.serializeInput(body, notFoundSchema));
  });

  return app;
}
