/**
 * Drives the real `ecs-local` CLI for integration tests: `up` as a child process, verbs as
 * separate processes, and a scan of /proc for anything of the run left behind.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { processesUnder } from "../../src/control/leftovers.js";

export { processesUnder };

import { promisify } from "node:util";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const CLI = join(REPO_ROOT, "packages/ecs-local/bin/ecs-local.mjs");

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one ecs-local verb to completion. */
export async function cli(
  stateDir: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [CLI, "--state-dir", stateDir, ...args],
      {
        timeout: timeoutMs,
        cwd: REPO_ROOT,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  }
}

/** A running `ecs-local up`, with its output so far. */
export class UpProcess {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;

  constructor(stateDir: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [CLI, "up", ...args, "--state-dir", stateDir], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on("data", (chunk: Buffer) => {
        this.output += chunk.toString("utf8");
      });
    }
    this.exited = once(this.child, "exit").then(([code]) => code as number | null);
  }

  /** Resolves when the output matches, rejects if `up` exits first or the time runs out. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null) {
        throw new Error(
          `ecs-local up exited (${this.child.exitCode}) before ${pattern}:\n${this.output}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Fetches text from the ALB listener. */
export async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.text() };
}

export async function waitUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops a run with `ecs-local down` and checks that `up` exits 0 and leaves no process. */
export async function downAndVerify(up: UpProcess, stateDir: string): Promise<void> {
  const down = await cli(stateDir, ["down"], 120_000);
  if (down.code !== 0) throw new Error(`ecs-local down failed (${down.code}): ${down.stderr}`);
  const code = await up.exited;
  if (code !== 0) throw new Error(`ecs-local up exited with ${code}:\n${up.output}`);
  await waitUntil(
    () => (processesUnder(stateDir).length === 0 ? true : undefined),
    10_000,
    "no process of the run left",
  );
}
