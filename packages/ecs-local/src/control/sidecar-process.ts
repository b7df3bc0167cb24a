/**
 * Starts a task's Service Connect sidecar and waits for it to say it is ready: every listener
 * bound, every alias redirect installed. It joins only the task's user and network namespaces,
 * so it keeps the run folder that the task's containers do not see.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { READY_FD_ENV, type SidecarConfig } from "../proxy/sidecar-config.js";
import type { TaskSandbox } from "../sandbox/task-sandbox.js";

/** How long a sidecar may take from spawn to ready before the task fails to start. */
const SIDECAR_START_TIMEOUT_MS = 15_000;
/** The pipe the sidecar reports readiness on: the first after stdin, stdout, stderr. */
const READY_FD = 3;

export async function startSidecar(options: {
  readonly sandbox: TaskSandbox;
  readonly config: SidecarConfig;
  readonly command: (configPath: string) => string[];
  /** Where its log (pino JSON) goes. */
  readonly log: WriteStream;
  /** The `cgroup.procs` files it starts in: the task's `ecs-service-connect` group. */
  readonly cgroup?: readonly string[];
}): Promise<ChildProcess> {
  const { sandbox, config, log } = options;
  const configPath = join(sandbox.dir, "sidecar.json");
  await writeFile(configPath, JSON.stringify(config, null, 1));
  const child = sandbox.spawn(options.command(configPath), {
    namespaces: "network",
    ...(options.cgroup ? { cgroup: options.cgroup } : {}),
    env: { ...process.env, [READY_FD_ENV]: String(READY_FD) },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const ready = child.stdio[READY_FD] as NodeJS.ReadableStream & { destroy(): void };
  if (!ready) throw new Error("the sidecar's readiness pipe was not opened");
  let said = "";
  ready.setEncoding("utf8");
  const readyOrExit = new Promise<"ready" | "exited" | "timeout">((resolve) => {
    ready.on("data", (chunk: string) => {
      said += chunk;
      if (said.includes("ready\n")) resolve("ready");
    });
    void once(child, "exit").then(() => resolve("exited"));
    setTimeout(() => resolve("timeout"), SIDECAR_START_TIMEOUT_MS).unref();
  });
  const outcome = await readyOrExit;
  if (outcome === "exited") {
    throw new Error(
      `the Service Connect sidecar exited with code ${child.exitCode ?? child.signalCode} before it was ready; see ${log.path}`,
    );
  }
  if (outcome === "timeout") {
    child.kill("SIGKILL");
    throw new Error(
      `the Service Connect sidecar was not ready within ${SIDECAR_START_TIMEOUT_MS / 1000} s; see ${log.path}`,
    );
  }
  ready.destroy();
  return child;
}
