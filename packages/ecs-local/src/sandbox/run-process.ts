/**
 * The one way ecs-local runs a short-lived program and collects what it said: build steps,
 * `cdk synth`, health checks, `nft -f -`, package installs. A failure to start, a non-zero
 * exit and a timeout are all values of the result, so each caller words its own error.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface RunProcessOptions {
  readonly cwd?: string;
  /** The complete environment (nothing is inherited when given). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to the program's stdin, which is then closed. @default stdin is /dev/null */
  readonly input?: string;
  /** Kills the program (and its process group) and resolves with `timedOut`. */
  readonly timeoutMs?: number;
  /** Aborting kills the program (and its process group). */
  readonly signal?: AbortSignal;
  /** Each line of stdout and stderr as it arrives. */
  readonly onLine?: (line: string) => void;
  /** Lines of combined output kept in `tail`. @default 20 */
  readonly tailLines?: number;
  /** Bytes of each of stdout and stderr kept. @default 65536 */
  readonly maxOutputBytes?: number;
  /** Sees the child right after it is spawned (a sandbox tracks its children this way). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

export interface ProcessResult {
  /** null when the program was killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** The last lines of stdout and stderr, interleaved as they came. */
  readonly tail: readonly string[];
  /** Set when the program could not be started at all (ENOENT, EACCES…). */
  readonly spawnError?: Error;
}

/** True when the program ran and exited 0. */
export function succeeded(result: ProcessResult): boolean {
  return result.exitCode === 0 && result.spawnError === undefined && !result.timedOut;
}

/** "exited with code 3", "was killed by SIGKILL", "timed out", "could not start (ENOENT)". */
export function describeExit(result: ProcessResult): string {
  if (result.spawnError) return `could not start (${result.spawnError.message})`;
  if (result.timedOut) return "timed out";
  if (result.exitCode !== null) return `exited with code ${result.exitCode}`;
  return `was killed by ${result.signal}`;
}

/** Runs `argv` to completion. Never rejects. */
export function runProcess(
  argv: readonly string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  const [file, ...args] = argv;
  const tailLines = options.tailLines ?? 20;
  const limit = options.maxOutputBytes ?? 65_536;
  return new Promise((resolve) => {
    const tail: string[] = [];
    const out = { stdout: "", stderr: "" };
    let timedOut = false;
    let child: ChildProcess;
    try {
      // Its own process group, so a timeout or abort reaches `sh -c "curl …"`'s curl too.
      child = spawn(file ?? "", args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        detached: true,
      });
    } catch (error) {
      resolve({ ...out, exitCode: null, signal: null, timedOut, tail, spawnError: error as Error });
      return;
    }
    options.onSpawn?.(child);
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup();
          }, options.timeoutMs);
    const onAbort = (): void => killGroup();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) killGroup();

    const push = (line: string): void => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      options.onLine?.(line);
    };
    for (const key of ["stdout", "stderr"] as const) {
      const stream = child[key];
      if (!stream) continue;
      let partial = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        if (out[key].length < limit) out[key] += chunk.slice(0, limit - out[key].length);
        const lines = (partial + chunk).split(/\r?\n/);
        partial = lines.pop() ?? "";
        for (const line of lines) push(line);
      });
      stream.on("end", () => {
        if (partial !== "") push(partial);
      });
    }
    if (options.input !== undefined) {
      child.stdin?.on("error", () => {}); // the program may exit without reading it all
      child.stdin?.end(options.input);
    }
    let spawnError: Error | undefined;
    child.on("error", (error) => {
      spawnError = error;
    });
    child.on("close", (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        exitCode: spawnError ? null : exitCode,
        signal,
        timedOut,
        stdout: out.stdout,
        stderr: out.stderr,
        tail,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}
