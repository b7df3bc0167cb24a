/**
 * The real app plus one slow route, started with the real `startServer`, so the SIGTERM drain
 * test exercises production shutdown. `SLOW_MS` sets how long `/slow` takes (default 500).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { buildApp } from "../app.js";
import { startServer } from "../start-server.js";

const slowMs = Number(process.env.SLOW_MS ?? "500");
const app = buildApp();

app.get(
  "/slow",
  { schema: { response: { 200: { type: "object", properties: { done: { type: "boolean" } } } } } },
  async (request) => {
    // The test waits for this line before sending SIGTERM, so the request is surely in flight.
    request.log.info("slow request started");
    await sleep(slowMs);
    return { done: true };
  },
);

await startServer(app, { host: "127.0.0.1", port: 0 });
