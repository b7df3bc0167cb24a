/**
 * `up -d`: starts `up` again as a background process in its own session (no terminal, so
 * closing this one does not stop it), shows its output until every service is healthy, then
 * returns. The run keeps its output in `<state dir>/up.log`; `ps`, `logs -f` and `down` reach
 * it through its API like any other run.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { NoRunError } from "../errors.js";
import { ExitError } from "./exit-error.js";

/** Set in the background process's environment: it prints how to stop it, not "Ctrl-C". */
export const DETACHED_ENV = "ECS_LOCAL_DETACHED";

/** The line a detached run prints once everything is healthy. */
const READY = /^▸ running in the background/m;

export async function runDetached(stateDir: string): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, "up.log");
  const out = openSync(logFile, "w");
  const argv = process.argv
    .slice(1)
    .filter((a) => a !== "-d" && a !== "--detach")
    .concat(["--state-dir", stateDir]);
  const child = spawn(process.execPath, [...process.execArgv, ...argv], {
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, [DETACHED_ENV]: "1" },
  });
  closeSync(out);
  child.unref();
  let exited: number | null | undefined;
  child.once("exit", (code, signal) => {
    exited = code ?? (signal ? 128 : 1);
  });
  // Ctrl-C while it starts stops the background run too: the user gave up on it.
  let interrupted = false;
  const stop = () => {
    interrupted = true;
    child.kill("SIGTERM");
  };
  process.on("SIGINT", stop);
  try {
    const reader = openSync(logFile, "r");
    let offset = 0;
    let seen = "";
    const buffer = Buffer.alloc(64 * 1024);
    try {
      for (;;) {
        const n = readSync(reader, buffer, 0, buffer.length, offset);
        if (n > 0) {
          offset += n;
          const text = buffer.subarray(0, n).toString("utf8");
          process.stdout.write(text);
          seen = (seen + text).slice(-4096);
          if (READY.test(seen)) break;
          continue;
        }
        if (exited !== undefined) {
          throw interrupted
            ? new ExitError(130)
            : new NoRunError(
                `the background run stopped (exit ${exited}) before its services were healthy; its output is above and in ${logFile}.`,
              );
        }
        await sleep(100);
      }
    } finally {
      closeSync(reader);
    }
  } finally {
    process.off("SIGINT", stop);
  }
  process.stdout.write(
    `▸ \`ecs-local ps\` shows it, \`ecs-local logs -f\` follows its containers, \`ecs-local down\` stops it; its own output goes to ${logFile}\n`,
  );
}
