/**
 * Runs `cdk synth` for a CDK app, with asset staging off so image assets point at their source
 * folders (ecs-local builds from those, never from copies in cdk.out).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AssemblyError } from "../errors.js";

/** What to synthesize, and how. */
export interface SynthesizeOptions {
  /** The CDK app folder (holds `cdk.json`). */
  readonly appDir: string;
  /** Where the cloud assembly is written. */
  readonly outDir: string;
  /** Extra CDK context, passed as `--context key=value`. @default {} */
  readonly context?: Readonly<Record<string, string>>;
  /**
   * The `cdk` executable. @default the nearest `node_modules/.bin/cdk` walking up from
   * `appDir`, else `npx --package aws-cdk cdk`
   */
  readonly cdkBinary?: string;
  /** Aborts the synth (the CLI's Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** Lines of stderr kept for the error message; CDK puts the cause at the end. */
const STDERR_TAIL_LINES = 30;

/**
 * Runs `cdk synth --no-staging` for the app in `options.appDir` into `options.outDir`. Throws an
 * AssemblyError with the tail of the CDK CLI's output when the synth fails.
 */
export async function synthesize(options: SynthesizeOptions): Promise<void> {
  const appDir = resolve(options.appDir);
  if (!existsSync(join(appDir, "cdk.json"))) {
    throw new AssemblyError(
      `${appDir} has no cdk.json; run ecs-local in a CDK app folder or pass --app <dir>.`,
    );
  }
  const args = [
    "synth",
    "--no-staging",
    "--output",
    resolve(options.outDir),
    "--quiet",
    "--no-notices",
    ...Object.entries(options.context ?? {}).flatMap(([key, value]) => [
      "--context",
      `${key}=${value}`,
    ]),
  ];
  const cdk = options.cdkBinary ?? findCdkBinary(appDir);
  const [command, prefix] =
    cdk === undefined ? ["npx", ["--yes", "--package", "aws-cdk", "cdk"]] : [cdk, []];
  const { code, stderr, spawnError } = await run(
    command,
    [...prefix, ...args],
    appDir,
    options.signal,
  );
  if (options.signal?.aborted) {
    throw new AssemblyError(`cdk synth in ${appDir} was cancelled.`, {
      cause: options.signal.reason,
    });
  }
  if (spawnError !== undefined) {
    throw new AssemblyError(
      `Could not start the CDK CLI (${command}): ${spawnError.message}. Install it in the app (npm install --save-dev aws-cdk) or make sure npx is on PATH.`,
      { cause: spawnError },
    );
  }
  if (code !== 0) {
    const tail = stderr.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n");
    throw new AssemblyError(
      `cdk synth failed in ${appDir} (exit ${code}):\n${tail}\nFix the error above and check that \`npx cdk synth\` succeeds in ${appDir}, then run ecs-local again.`,
    );
  }
}

/** The nearest `node_modules/.bin/cdk` in `startDir` or a parent folder, as npm would run it. */
export function findCdkBinary(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, "node_modules", ".bin", "cdk");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

interface RunResult {
  readonly code: number | null;
  readonly stderr: string;
  readonly spawnError?: Error;
}

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  signal: AbortSignal | undefined,
): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true" },
      ...(signal === undefined ? {} : { signal }),
    });
    // Keep a bounded tail: a noisy synth (bundling output) must not grow memory without end.
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-64 * 1024);
    });
    child.on("error", (error) => done({ code: null, stderr, spawnError: error }));
    child.on("close", (code) => done({ code, stderr }));
  });
}
