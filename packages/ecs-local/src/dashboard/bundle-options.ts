import type { BuildOptions } from "esbuild";

/**
 * The files of the dashboard's bundle, by the name the API server serves them under
 * (`/assets/<name>`, and `/` for the page). The names carry no hash: the server marks them
 * `no-cache`, so a browser revalidates them on each load of a page that is rarely reloaded.
 */
export const DASHBOARD_FILES = {
  page: "index.html",
  script: "dashboard.js",
  style: "dashboard.css",
} as const;

/**
 * How esbuild bundles the browser side: one entry (`client/main.tsx`), Preact's JSX, uPlot and
 * the style sheets inlined, minified, for browsers of the last few years. The package build
 * (scripts/build.ts) writes it to dist/dashboard/; a run from the sources bundles it in memory
 * on the first request (`dashboard-assets.ts`). Either way nothing is fetched at run time.
 */
export function dashboardBuildOptions(clientDir: string): BuildOptions {
  return {
    entryPoints: { dashboard: `${clientDir}/main.tsx` },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome111", "firefox111", "safari16.4"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
  };
}
