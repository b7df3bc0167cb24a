import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, UpProcess } from "./ecs-local-run.js";

/**
 * Starts `ecs-local up` in a fresh state folder and registers one cleanup that first stops
 * the run (if it still runs) and only then removes the folder it lives in.
 */
export function startRun(
  t: { after: (fn: () => Promise<void>) => void },
  prefix: string,
  args: readonly string[],
): { up: UpProcess; stateDir: string } {
  const stateDir = mkdtempSync(join(tmpdir(), prefix));
  const up = new UpProcess(stateDir, args);
  t.after(async () => {
    if (up.child.exitCode === null) {
      await cli(stateDir, ["down"], 120_000);
      await up.exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });
  return { up, stateDir };
}
