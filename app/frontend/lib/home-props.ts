import type { GetServerSideProps } from "next";
import { fetchBackendMessage, type ServedBy } from "./backend-message";

/**
 * The backend as the frontend task sees it: the Service Connect client alias, which the proxy
 * (Envoy on AWS, haproxy under ecs-local) routes to a healthy backend task.
 */
export const DEFAULT_BACKEND_URL = "http://backend-container.local:5000";

/** The text shown when the backend cannot be reached; kept from the original walk-through. */
export const FETCH_FAILED_TEXT = "Failed to fetch data";

export type HomeProps =
  | { readonly state: "ok"; readonly message: string; readonly servedBy: ServedBy | null }
  | { readonly state: "error"; readonly error: string };

export interface LoadHomePropsOptions {
  /** @default `process.env.BACKEND_URL`, else {@link DEFAULT_BACKEND_URL} */
  readonly backendUrl?: string;
  /** @default 3000, see `fetchBackendMessage` */
  readonly timeoutMs?: number;
  /** Where the failure cause goes. @default console.error, i.e. the container's log stream */
  readonly logError?: (message: string) => void;
}

/** Props for the home page. Backend failures become the error state; this never throws. */
export async function loadHomeProps(options: LoadHomePropsOptions = {}): Promise<HomeProps> {
  // Read per request, not at import, so one build serves every environment.
  const backendUrl = options.backendUrl ?? process.env.BACKEND_URL ?? DEFAULT_BACKEND_URL;
  const result = await fetchBackendMessage(backendUrl, { timeoutMs: options.timeoutMs });
  if (result.ok) {
    return { state: "ok", message: result.data.message, servedBy: result.data.servedBy };
  }
  const logError = options.logError ?? console.error;
  logError(`backend request to ${result.url} failed (${result.kind}): ${result.reason}`);
  return { state: "error", error: FETCH_FAILED_TEXT };
}

/** The home page's `getServerSideProps`; the page re-exports it. */
export const getHomeServerSideProps: GetServerSideProps<HomeProps> = async () => ({
  props: await loadHomeProps(),
});
