/**
 * Runs `cdk synth` for a CDK app, with asset staging off so image assets point at their source
 * folders (ecs-local builds from those, never from copies in cdk.out).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { AssemblyError } from "../errors.js";
import { describeExit, runProcess, succeeded } from "../sandbox/run-process.js";

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
  /** Each line the CDK CLI prints, for progress. */
  readonly onLine?: (line: string) => void;
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
  const result = await runProcess([command, ...prefix, ...args], {
    cwd: appDir,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: "true" },
    tailLines: STDERR_TAIL_LINES,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  if (options.signal?.aborted) {
    throw new AssemblyError(`cdk synth in ${appDir} was cancelled.`, {
      cause: options.signal.reason,
    });
  }
  if (result.spawnError !== undefined) {
    throw new AssemblyError(
      `Could not start the CDK CLI (${command}): ${result.spawnError.message}. Install it in the app (npm install --save-dev aws-cdk) or make sure npx is on PATH.`,
      { cause: result.spawnError },
    );
  }
  if (!succeeded(result)) {
    throw new AssemblyError(
      `cdk synth failed in ${appDir} (${result.exitCode === null ? describeExit(result) : `exit ${result.exitCode}`}):\n${result.tail.join("\n")}\n` +
        `Fix the error above and check that \`npx cdk synth\` succeeds in ${appDir}, then run ecs-local again.`,
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
