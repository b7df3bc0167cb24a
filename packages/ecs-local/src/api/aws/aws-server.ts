/**
 * The AWS APIs of a run on one port of 127.0.0.1: ECS, Cloud Map, Application Auto Scaling
 * and CloudWatch, for the AWS CLI and SDKs pointed at it with `--endpoint-url` or
 * `AWS_ENDPOINT_URL`. A task's network namespace has its own loopback, so no container can
 * reach it. The edge only reads the request and writes the reply; wire.ts and the operations
 * do the rest. Every request gets an answer in AWS's shape, a malformed one included.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AwsApiError } from "../../errors.js";
import type { AwsApiSource } from "./aws-source.js";
import { isOperation, runOperation } from "./operations.js";
import { errorReply, parseRequest, type Reply, type ReplyFormat, resultReply } from "./wire.js";

/** Requests larger than this are refused (AWS's own limits are lower for these operations). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const JSON_REPLY: ReplyFormat = {
  protocol: "json",
  jsonVersion: "1.1",
  messageKey: "message",
  queryCompatible: false,
};

export class AwsApiServer {
  readonly #source: AwsApiSource;
  #server?: Server;

  constructor(source: AwsApiSource) {
    this.#source = source;
  }

  /** Listens on 127.0.0.1 (port 0 = any free port); returns the endpoint URL. */
  async start(options: { readonly port: number }): Promise<string> {
    const server = createServer((req, res) => void this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Stops listening and drops open connections. Idempotent. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let reply: Reply;
    try {
      const body = await readBody(req);
      if (body === undefined) {
        reply = errorReply(
          JSON_REPLY,
          new AwsApiError(
            "SerializationException",
            `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
            { status: 413 },
          ),
          requestId,
        );
      } else if (req.method !== "POST") {
        reply = errorReply(
          JSON_REPLY,
          new AwsApiError(
            "UnknownOperationException",
            `The AWS APIs take POST requests (AWS JSON 1.1 or CloudWatch's Query protocol), not ${req.method}.`,
            { status: 405 },
          ),
          requestId,
        );
      } else {
        reply = this.#answer(req, body, requestId);
      }
    } catch (error) {
      // The request broke off while it was read: nothing sensible can be answered.
      if (!res.headersSent) res.destroy(error as Error);
      return;
    }
    res.writeHead(reply.status, {
      ...reply.headers,
      "content-length": Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
  }

  #answer(req: IncomingMessage, body: string, requestId: string): Reply {
    const parsed = parseRequest(req.headers, body, isOperation);
    if (!parsed.ok) return errorReply(parsed.reply, parsed.error, requestId);
    try {
      return resultReply(parsed.request, runOperation(this.#source, parsed.request), requestId);
    } catch (error) {
      const known =
        error instanceof AwsApiError
          ? error
          : new AwsApiError("InternalFailure", String(error), { status: 500 });
      return errorReply(parsed.request.reply, known, requestId);
    }
  }
}

/** The body as text, or undefined when it is larger than {@link MAX_BODY_BYTES}. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk as Buffer);
  }
  return tooLarge ? undefined : Buffer.concat(chunks).toString("utf8");
}
