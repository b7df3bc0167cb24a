import { join } from "node:path";

/**
 * Where a run keeps its files, all under the project's `.ecs-local/` folder: nothing else on
 * the machine is written. The CLI verbs find a run through `state.json`.
 */
export interface RunLayout {
  readonly stateDir: string;
  readonly cdkOut: string;
  /** Prepared images, one folder per content hash; kept across runs. */
  readonly imageCache: string;
  readonly runDir: string;
  readonly stateFile: string;
  readonly endpointsFile: string;
}

export function runLayout(stateDir: string): RunLayout {
  const runDir = join(stateDir, "run");
  return {
    stateDir,
    cdkOut: join(stateDir, "cdk.out"),
    imageCache: join(stateDir, "images"),
    runDir,
    stateFile: join(runDir, "state.json"),
    endpointsFile: join(runDir, "endpoints.json"),
  };
}

/**
 * What `state.json` holds: enough for another terminal to find the run and, once its control
 * plane listens, to reach it. `up` writes it first thing (so a second `up` in the same folder
 * is refused even while the first is still synthesizing), then again with the API's address.
 */
export interface RunState {
  readonly pid: number;
  readonly appDir: string;
  readonly startedAt: string;
  /** Set once the control plane's API listens. */
  readonly apiUrl?: string;
  /** The AWS APIs' endpoint (`AWS_ENDPOINT_URL`), set with `apiUrl`. */
  readonly awsEndpoint?: string;
  readonly stackName?: string;
  /** True for `up -d`: no terminal; `ecs-local down` stops it. */
  readonly detached?: boolean;
}

/** A run whose control plane answers. */
export type ReachableRun = RunState & { readonly apiUrl: string; readonly stackName: string };
