import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

/**
 * One log line per request, written when the response has been sent, with the fields an access
 * log needs (`method`, `url`, `statusCode`, `responseTime` in ms). Fastify's default writes two
 * lines ("incoming request", "request completed") with nested `req`/`res` objects.
 *
 * Only the two per-request lines change: error logs from the default error handler stay, so a
 * 500 still logs its stack (as an extra line).
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {
    // Deliberately silent: the completed line carries everything, once.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) {
      // A stream error after the headers: the status code alone would look like a success.
      reply.log.error({ ...line, err: error }, "request errored");
    } else {
      reply.log.info(line, "request completed");
    }
  }
}
