import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";

/** app/backend, so `--import tsx` resolves from the package's own node_modules. */
export const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

/** One pino JSON line from the child's stdout. */
export type LogLine = Record<string, unknown> & { msg?: string };

export interface BackendProcess {
  readonly child: ChildProcess;
  /** Parsed stdout lines so far (non-JSON lines are kept as `{ msg: line }`). */
  readonly lines: LogLine[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first line (already seen or future) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the URL from Fastify's "Server listening at …" line. */
  listening(): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Variables the backend reads; cleared so the developer's shell cannot change a test. */
const backendVariables = ["HOST", "PORT", "MESSAGE", "ECS_CONTAINER_METADATA_URI_V4"];

/**
 * Runs `script` (a path relative to app/backend) under Node with tsx, as `npm run dev` would.
 * The child is killed in `t.after` if the test left it running.
 */
export function spawnBackend(
  t: TestContext,
  script: string,
  env: Record<string, string> = {},
): BackendProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of backendVariables) delete childEnv[name];
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: packageRoot,
    env: { ...childEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });

  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stdoutRest = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (stdoutRest + chunk).split("\n");
    stdoutRest = parts.pop() ?? "";
    for (const part of parts) {
      if (part.trim() === "") continue;
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ msg: part });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 5000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(predicate);
        if (found === undefined) return;
        finish();
        resolve(found);
      };
      const onExit = () => {
        finish();
        reject(new Error(`child exited before the expected log line; stderr:\n${stderr}`));
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr:\n${stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off("exit", onExit);
      };
      waiters.add(check);
      child.once("exit", onExit);
      check();
    });

  return {
    child,
    lines,
    stderr: () => stderr,
    waitForLog,
    async listening() {
      const line = await waitForLog((l) => /^Server listening at /.test(l.msg ?? ""));
      return (line.msg ?? "").replace("Server listening at ", "");
    },
    exited,
  };
}
