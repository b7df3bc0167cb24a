/**
 * Builds the package into dist/: plain JavaScript that runs on bare node, with no TypeScript
 * loader and no bundler at run time.
 *
 * - dist/cli.mjs, dist/index.mjs and their shared chunks: one esbuild build with code
 *   splitting, so each command module stays lazily loaded (`ecs-local ps` never parses `up`).
 *   Packages stay imports, so each one the output names must be a runtime dependency.
 * - dist/dashboard/: the dashboard's page, script and style, bundled for the browser with
 *   Preact and uPlot inlined (src/dashboard/bundle-options.ts); the API server reads them from
 *   there, while a run from the sources bundles them in memory instead.
 * - dist/types/: declarations of the programmatic entry (tsc, tsconfig.build.json).
 *
 * Then it checks the output: nothing but node builtins and `dependencies` is imported.
 *
 * Usage: npm run build (prepack runs it, so `npm pack` always packs a fresh build)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync, statSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { DASHBOARD_FILES, dashboardBuildOptions } from "../src/dashboard/bundle-options.js";

const root = join(import.meta.dirname, "..");
const dist = join(root, "dist");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string;
  dependencies?: Record<string, string>;
};
// See src/build-constants.d.ts: defined here, absent when the sources run through tsx.
const define = { ECS_LOCAL_BUILD_VERSION: JSON.stringify(manifest.version) };

rmSync(dist, { recursive: true, force: true });

const code = await build({
  entryPoints: { cli: join(root, "src/cli/main.ts"), index: join(root, "src/index.ts") },
  outdir: dist,
  outExtension: { ".js": ".mjs" },
  chunkNames: "[name]-[hash]",
  bundle: true,
  splitting: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  define,
  absWorkingDir: root,
  metafile: true,
  logLevel: "warning",
});

const dashboardDir = join(root, "src/dashboard/client");
const dashboard = await build({
  ...dashboardBuildOptions(dashboardDir),
  outdir: join(dist, "dashboard"),
  absWorkingDir: root,
});
copyFileSync(
  join(dashboardDir, DASHBOARD_FILES.page),
  join(dist, "dashboard", DASHBOARD_FILES.page),
);

const tsc = spawnSync(
  process.execPath,
  [createRequire(import.meta.url).resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  { cwd: root, stdio: "inherit" },
);
if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status})`);

checkImports(code.metafile, new Set(Object.keys(manifest.dependencies ?? {})));
const outputs = [
  ...Object.keys(code.metafile.outputs),
  ...Object.keys(dashboard.metafile?.outputs ?? {}),
  `dist/dashboard/${DASHBOARD_FILES.page}`,
];
for (const file of outputs.sort()) {
  const kib = (statSync(join(root, file)).size / 1024).toFixed(1);
  // stderr: stdout belongs to the caller (npm pack --json prints its report there).
  process.stderr.write(`  ${file}  ${kib} KiB\n`);
}

/**
 * Fails the build when an output imports something a user's install would not have: a package
 * outside `allowed`.
 */
function checkImports(metafile: Metafile, allowed: ReadonlySet<string>): void {
  const builtins = new Set(builtinModules);
  const wrong: string[] = [];
  for (const [file, output] of Object.entries(metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (!external || path.startsWith("node:") || builtins.has(path)) continue;
      const name = path.startsWith("@")
        ? path.split("/").slice(0, 2).join("/")
        : (path.split("/")[0] ?? path);
      if (!allowed.has(name)) wrong.push(`${file} imports ${path}`);
    }
  }
  if (wrong.length > 0) {
    throw new Error(
      `dist/ must import only node builtins and runtime dependencies:\n  ${wrong.join("\n  ")}\nMove the code that needs them out of the build, or add the package to dependencies.`,
    );
  }
}
