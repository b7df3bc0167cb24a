/**
 * Drives the real `ecs-local` CLI for integration tests: `up` as a child process, verbs as
 * separate processes, and a scan of /proc for anything of the run left behind. By default the
 * CLI is the repository's, on its TypeScript sources; a `CliCommand` names another (say, an
 * installed package run with npx).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { processesUnder } from "../../src/sandbox/procs.js";

export { processesUnder };

import { promisify } from "node:util";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const CLI = join(REPO_ROOT, "packages/ecs-local/bin/ecs-local.mjs");

/** How to start the ecs-local CLI: a program, the arguments before the verb, and where. */
export interface CliCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The repository's CLI on its TypeScript sources, as the workspace dev loop runs it. */
export const SOURCE_CLI: CliCommand = { file: process.execPath, args: [CLI], cwd: REPO_ROOT };

/**
 * The full argv after `command.file`. `--state-dir` is left out when `stateDir` is the default
 * for the command's folder (`./.ecs-local`), so a test can run the CLI exactly as a user would.
 */
function argv(command: CliCommand, stateDir: string, args: readonly string[]): string[] {
  const isDefault = resolve(stateDir) === resolve(command.cwd, ".ecs-local");
  return [...command.args, ...(isDefault ? [] : ["--state-dir", stateDir]), ...args];
}

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
  command: CliCommand = SOURCE_CLI,
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      command.file,
      argv(command, stateDir, args),
      {
        timeout: timeoutMs,
        cwd: command.cwd,
        env: command.env ?? process.env,
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
  /** The CLI this run was started with; its other verbs use the same. */
  readonly command: CliCommand;

  constructor(stateDir: string, args: readonly string[], command: CliCommand = SOURCE_CLI) {
    this.command = command;
    this.child = spawn(command.file, argv(command, stateDir, ["up", ...args]), {
      cwd: command.cwd,
      env: command.env ?? process.env,
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

/**
 * Stops a run with `ecs-local down` (the CLI `up` was started with) and checks that `up` exits
 * 0 and leaves no process.
 */
export async function downAndVerify(up: UpProcess, stateDir: string): Promise<void> {
  const down = await cli(stateDir, ["down"], 120_000, up.command);
  if (down.code !== 0) throw new Error(`ecs-local down failed (${down.code}): ${down.stderr}`);
  const code = await up.exited;
  if (code !== 0) throw new Error(`ecs-local up exited with ${code}:\n${up.output}`);
  await waitUntil(
    () => (processesUnder(stateDir).length === 0 ? true : undefined),
    10_000,
    "no process of the run left",
  );
}
