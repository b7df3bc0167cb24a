/**
 * Waiting for a namespace holder (a task's, or the run network's) to say `ready <pid>` once its
 * namespaces are set up; its exit, an error, the timeout or an abort before that is an error.
 */
import type { ChildProcess } from "node:child_process";
import { SandboxError } from "../errors.js";

export function waitHolderReady(
  child: ChildProcess,
  timeoutMs: number,
  abort: AbortSignal | undefined,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const done = (err: Error | undefined, pid?: number): void => {
      clearTimeout(timer);
      abort?.removeEventListener("abort", onAbort);
      child.stdout?.removeListener("data", onOut);
      child.removeListener("exit", onExit);
      child.removeListener("error", onError);
      if (err) reject(err);
      else resolve(pid as number);
    };
    const onOut = (chunk: Buffer): void => {
      stdout += chunk.toString();
      const m = /^ready (\d+)$/m.exec(stdout);
      if (m) {
        child.stdout?.resume(); // nothing more comes; don't let the pipe back up
        done(undefined, Number(m[1]));
      }
    };
    const onExit = (code: number | null, sig: string | null): void =>
      done(
        new SandboxError(
          `the namespace holder exited (${code ?? sig}) during setup: ${stderr.trim() || "no message"}. ` +
            "Check that 'ecs-local' can create namespaces here (probeNamespaces) and that iproute2 is installed.",
        ),
      );
    const onError = (err: Error): void => done(err);
    const onAbort = (): void =>
      done(abort?.reason instanceof Error ? abort.reason : new Error("aborted"));
    const timer = setTimeout(
      () =>
        done(
          new SandboxError(
            `the namespace holder did not become ready within ${timeoutMs} ms: ${stderr.trim()}`,
          ),
        ),
      timeoutMs,
    );
    child.stderr?.on("data", (c: Buffer) => {
      if (stderr.length < 8192) stderr += c.toString();
    });
    child.stdout?.on("data", onOut);
    child.once("exit", onExit);
    child.once("error", onError);
    abort?.addEventListener("abort", onAbort, { once: true });
  });
}
