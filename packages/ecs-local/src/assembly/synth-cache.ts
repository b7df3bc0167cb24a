/**
 * Reuses the last cloud assembly when nothing that can change it has changed: the CDK app's
 * files (its sources, `cdk.json`, `cdk.context.json`), the `-c` values, the lock file that
 * pins aws-cdk-lib, and the `CDK_*` environment. A warm `up` then skips `cdk synth`, which
 * dominates its start time (cdk-nag alone takes seconds).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { hashContext, listContext, parseDockerignore } from "../image/build-context.js";

/**
 * Folders that never change a synth: dependencies (the lock file stands for them), outputs,
 * ecs-local's own state, version control.
 */
const NOT_SOURCES = parseDockerignore(
  ["**/node_modules", "**/cdk.out", "**/.ecs-local", "**/.git", "**/.next", "**/dist"].join("\n"),
);

const LOCK_FILES = ["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"];

/** Bumped when the key's recipe changes, so old keys never match. */
const KEY_VERSION = "1";

export interface SynthKeyInput {
  readonly appDir: string;
  readonly context: Readonly<Record<string, string>>;
  /** Environment to read `CDK_*` variables from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** A hash of everything the synth of `appDir` depends on, as far as ecs-local can see. */
export async function synthKey(input: SynthKeyInput): Promise<string> {
  const appDir = resolve(input.appDir);
  const entries = await listContext(appDir, NOT_SOURCES);
  const lockFile = nearestLockFile(appDir);
  const env = input.env ?? process.env;
  const cdkEnv = Object.keys(env)
    .filter((k) => k.startsWith("CDK_") && k !== "CDK_DISABLE_CLI_TELEMETRY")
    .sort()
    .map((k) => `${k}=${env[k]}`);
  const context = Object.keys(input.context)
    .sort()
    .map((k) => `${k}=${input.context[k]}`);
  const lockHash =
    lockFile === undefined
      ? "no lock file"
      : createHash("sha256").update(readFileSync(lockFile)).digest("hex");
  return hashContext(appDir, entries, [
    KEY_VERSION,
    appDir,
    `lock ${lockFile ?? ""} ${lockHash}`,
    `context ${context.join("\n")}`,
    `env ${cdkEnv.join("\n")}`,
  ]);
}

/** The lock file npm (or yarn, pnpm) resolves the app's packages from: the nearest above it. */
export function nearestLockFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    for (const name of LOCK_FILES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const keyFile = (outDir: string) => `${outDir}.key`;

/** True when `outDir` holds a complete assembly synthesized under `key`. */
export function isCachedAssembly(outDir: string, key: string): boolean {
  try {
    return (
      readFileSync(keyFile(outDir), "utf8") === key && existsSync(join(outDir, "manifest.json"))
    );
  } catch {
    return false;
  }
}

/** Forgets the key before a synth rewrites `outDir`, so a failed synth is never reused. */
export function forgetAssembly(outDir: string): void {
  rmSync(keyFile(outDir), { force: true });
}

/** Records that `outDir` now holds the synth for `key`. */
export function rememberAssembly(outDir: string, key: string): void {
  writeFileSync(keyFile(outDir), key);
}
