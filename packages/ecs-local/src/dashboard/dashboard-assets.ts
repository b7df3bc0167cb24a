import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { DASHBOARD_FILES, dashboardBuildOptions } from "./bundle-options.js";

/** One file the dashboard is made of, ready to send. */
export interface DashboardAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The dashboard's files by name (`index.html`, `dashboard.js`, `dashboard.css`). */
export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

function contentTypeOf(name: string): string {
  const extension = name.slice(name.lastIndexOf("."));
  return CONTENT_TYPES[extension] ?? "application/octet-stream";
}

let loading: Promise<DashboardAssets> | undefined;

/**
 * The dashboard's files, loaded once per process (single-flight: concurrent first requests
 * share one load). In the package build they are read from dist/dashboard/, bundled by
 * scripts/build.ts. Running the TypeScript sources (the workspace dev loop, with no build
 * step) they are bundled in memory with esbuild, a dev dependency, on the first call; the
 * build folds the `typeof` test, so dist/ never imports esbuild.
 */
export function loadDashboardAssets(): Promise<DashboardAssets> {
  if (loading === undefined) {
    loading = (
      typeof ECS_LOCAL_BUILD_VERSION === "string" ? readBuiltAssets() : bundleFromSources()
    ).catch((error: unknown) => {
      // A failed load is not cached: the next page load tries again.
      loading = undefined;
      throw error;
    });
  }
  return loading;
}

async function readBuiltAssets(): Promise<DashboardAssets> {
  // Every module of dist/ (entries and chunks) sits in dist/ itself, beside dist/dashboard/.
  const folder = new URL("./dashboard/", import.meta.url);
  const assets = new Map<string, DashboardAsset>();
  for (const name of Object.values(DASHBOARD_FILES)) {
    const body = await readFile(new URL(name, folder));
    assets.set(name, { contentType: contentTypeOf(name), body });
  }
  return assets;
}

async function bundleFromSources(): Promise<DashboardAssets> {
  const { build } = await import("esbuild");
  const clientDir = fileURLToPath(new URL("./client", import.meta.url));
  const result = await build({
    ...dashboardBuildOptions(clientDir),
    outdir: "/dashboard",
    write: false,
  });
  const assets = new Map<string, DashboardAsset>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf("/") + 1);
    assets.set(name, { contentType: contentTypeOf(name), body: Buffer.from(file.contents) });
  }
  const page = await readFile(`${clientDir}/${DASHBOARD_FILES.page}`);
  assets.set(DASHBOARD_FILES.page, {
    contentType: contentTypeOf(DASHBOARD_FILES.page),
    body: page,
  });
  return assets;
}
