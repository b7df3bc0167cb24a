import type { IncomingMessage, ServerResponse } from "node:http";
import type { ControlPlaneView } from "../api/control-plane-view.js";
import { DASHBOARD_FILES } from "./bundle-options.js";
import { loadDashboardAssets } from "./dashboard-assets.js";
import { streamDashboard } from "./dashboard-stream.js";

/** The paths the dashboard answers on the API server: the page, its assets, its feed. */
export function isDashboardPath(pathname: string): boolean {
  return pathname === "/" || pathname === "/v1/stream" || pathname.startsWith("/assets/");
}

/**
 * Answers a GET of a dashboard path (`isDashboardPath`): `/` the page, `/assets/<file>` its
 * bundled script and style, `/v1/stream` the live feed. The API server has checked the Host.
 */
export async function serveDashboard(
  view: ControlPlaneView,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  if (pathname === "/v1/stream") return streamDashboard(view, res);
  const name = pathname === "/" ? DASHBOARD_FILES.page : pathname.slice("/assets/".length);
  const asset = (await loadDashboardAssets()).get(name);
  if (asset === undefined) {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
    res.end(`The dashboard has no file ${name}.\n`);
    return;
  }
  res.writeHead(200, {
    "content-type": asset.contentType,
    "content-length": asset.body.length,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    // Everything is bundled and served from here: no other origin is needed, or allowed.
    "content-security-policy":
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(asset.body);
}
