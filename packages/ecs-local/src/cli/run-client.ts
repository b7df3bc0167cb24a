import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type ReachableRun, type RunState, runLayout } from "../control/run-layout.js";
import { NoRunError, UsageError } from "../errors.js";
import { isRunning } from "../sandbox/procs.js";

/** The state dir a verb uses: `--state-dir`, else `./.ecs-local`. */
export function stateDirFrom(values: { readonly "state-dir"?: string }): string {
  return resolve(values["state-dir"] ?? ".ecs-local");
}

/** The state of the run recorded in `stateDir` if its `up` process is still alive. */
export function activeRun(stateDir: string): RunState | undefined {
  const { stateFile } = runLayout(stateDir);
  if (!existsSync(stateFile)) return undefined;
  try {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as RunState;
    return isRunning(state.pid) ? state : undefined;
  } catch {
    return undefined; // half-written or damaged: no run can be reached through it
  }
}

/** Reads the running `up`'s state, or explains how to start one. */
export function findRun(stateDir: string): ReachableRun {
  const state = activeRun(stateDir);
  if (!state) {
    throw new NoRunError(
      `No ecs-local run found in ${stateDir}. Start one with \`ecs-local up\` (or \`npm start\` at the repository root), or pass --state-dir.`,
    );
  }
  if (state.apiUrl === undefined || state.stackName === undefined) {
    throw new NoRunError(
      `The run in ${stateDir} (pid ${state.pid}) is still starting: it synthesizes the app and prepares images before its control plane answers. Try again in a moment.`,
    );
  }
  return state as ReachableRun;
}

/** Calls the control plane's API; errors it reports come back as their message. */
export async function callApi<T>(
  state: ReachableRun,
  path: string,
  init?: RequestInit,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${state.apiUrl}${path}`, init);
  } catch (error) {
    throw new NoRunError(
      `The control plane at ${state.apiUrl} (pid ${state.pid}) did not answer: ${error instanceof Error ? error.message : error}.`,
    );
  }
  const body = (await response.json()) as T & { error?: string };
  if (response.status === 400) throw new UsageError(body.error ?? "the request was refused");
  if (!response.ok) throw new NoRunError(body.error ?? `API ${path} answered ${response.status}`);
  return body;
}
