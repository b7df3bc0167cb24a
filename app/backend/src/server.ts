import { buildApp } from "./app.js";
import { loadConfig } from "./config.js";
import { BackendError } from "./errors.js";
import { startServer } from "./start-server.js";

/** Entry point: environment → options → listening server. The only place that exits. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = buildApp({
    message: config.message,
    taskIdentity: { metadataUri: config.metadataUri },
  });
  await startServer(app, { host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  // Plain text on stderr: the logger may not exist yet, and this line is read by a human.
  if (error instanceof BackendError) {
    console.error(`backend: ${error.message}`);
  } else {
    console.error("backend: failed to start:", error);
  }
  process.exit(1);
});
