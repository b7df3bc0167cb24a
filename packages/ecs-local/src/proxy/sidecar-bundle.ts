/**
 * The sidecar as one plain JavaScript file. Every task runs a sidecar, so it should start fast
 * and stay small: bundled, it runs on bare node without the TypeScript loader, which roughly
 * halves its resident memory (measured in bench/up-time.mjs). The package build writes the same
 * bundle to dist/sidecar.mjs; running from the sources, `up` bundles it once per run.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build } from "esbuild";
import type { SidecarCommand } from "./sidecar-launch.js";

const ENTRY = fileURLToPath(new URL("./sidecar-main.ts", import.meta.url));

/**
 * esbuild options for the sidecar bundle: everything it imports (pino included) in one ESM
 * file, so it starts without resolving a single package.
 */
export function sidecarBuildOptions(outfile: string): BuildOptions {
  return {
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "silent",
    // pino and friends are CommonJS; give the ESM bundle a `require` for them.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  };
}

/** Bundles the sidecar into `<outDir>/sidecar.mjs` and returns the command that starts it. */
export async function bundleSidecar(outDir: string): Promise<SidecarCommand> {
  await mkdir(outDir, { recursive: true });
  const outfile = path.join(outDir, "sidecar.mjs");
  await build(sidecarBuildOptions(outfile));
  return (configPath) => [process.execPath, outfile, configPath];
}
