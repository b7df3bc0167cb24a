/**
 * Entry point of the sidecar process, bundled to `sidecar.mjs` (see sidecar-bundle.ts) and
 * started inside a task's namespaces: `node sidecar.mjs <config.json>`.
 * Logs pino JSON to stdout; "sidecar ready" means every listener is bound.
 * Exit codes: 0 after a drain on SIGTERM/SIGINT, 1 when a listener cannot bind, 2 for a bad config.
 */
import { closeSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { pino } from "pino";
import { Sidecar } from "./sidecar.js";
import { parseSidecarConfig, READY_FD_ENV } from "./sidecar-config.js";

const base = pino({
  level: process.env.ECS_LOCAL_SIDECAR_LOG_LEVEL ?? "info",
  base: { component: "sidecar" },
});

async function main(): Promise<number> {
  const file = process.argv[2];
  if (file === undefined) {
    base.fatal("usage: sidecar-main.ts <config.json>");
    return 2;
  }
  let config: ReturnType<typeof parseSidecarConfig>;
  try {
    config = parseSidecarConfig(JSON.parse(await readFile(file, "utf8")), file);
  } catch (err) {
    base.fatal({ err, file }, "cannot load the sidecar config");
    return 2;
  }
  const log = base.child({ taskId: config.taskId });
  const sidecar = new Sidecar(config, log);
  // Registered before start so a stop during startup still drains and exits cleanly; `on`, not
  // `once`: a second signal joins the drain in progress instead of killing the process.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      log.info({ signal }, "stopping");
      // A stop must end by itself even if a drain step hangs (say, its run folder vanished).
      setTimeout(() => {
        log.error({ drainMs: config.drainMs }, "drain did not finish in time; exiting");
        process.exit(1);
      }, config.drainMs + 2_000).unref();
      void sidecar.close().then(resolve);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
  try {
    await sidecar.start();
  } catch (err) {
    log.fatal({ err }, "sidecar could not start");
    return 1;
  }
  reportReady();
  await stopped;
  return 0;
}

/**
 * Tells the control plane that every listener is bound and every redirect installed, on the
 * pipe it passed as `ECS_LOCAL_READY_FD`: the task's containers start only after this, so an
 * app's very first call to an alias already goes through.
 */
function reportReady(): void {
  const fd = Number(process.env[READY_FD_ENV]);
  if (!Number.isInteger(fd) || fd < 3) return;
  try {
    writeSync(fd, "ready\n");
    closeSync(fd);
  } catch (err) {
    base.warn({ err, fd }, "could not report readiness");
  }
}

// The one place the sidecar exits; listeners would otherwise keep the process alive.
process.exitCode = await main();
process.exit();
