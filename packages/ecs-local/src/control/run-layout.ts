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
  /** Unix socket of the control plane's API, where sidecars send task-metadata requests. */
  readonly apiSocket: string;
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
    apiSocket: join(runDir, "api.sock"),
  };
}

/** What `state.json` holds: enough for another terminal to reach the running control plane. */
export interface RunState {
  readonly pid: number;
  readonly apiUrl: string;
  readonly appDir: string;
  readonly stackName: string;
  readonly startedAt: string;
}
