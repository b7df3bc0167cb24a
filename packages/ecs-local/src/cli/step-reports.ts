/**
 * Adapters from the progress events of library code (package installs, image builds) to the
 * CLI's live step lines.
 */
import type { ImageProgress } from "../image/build-steps.js";
import type { InstallProgress } from "../sandbox/host-check.js";
import type { Progress, StepHandle } from "./progress.js";

/** Each install command is a step; what it prints feeds the live line. */
export function reportInstall(progress: Progress): (event: InstallProgress) => void {
  let step: StepHandle | undefined;
  return (event) => {
    if (event.type === "notice") progress.say(`▸ ${event.message}`);
    else if (event.type === "step") step = progress.begin(event.message);
    else if (event.type === "output") step?.output(event.message);
    else {
      step?.end();
      progress.say(`▸ ${event.message}`);
    }
  };
}

/**
 * Each build step that runs a program (`RUN npm ci`, the virtualenv) is a live step named
 * after its image; the rest (COPY, skipped OS packages, a cache hit) are plain lines.
 */
export function reportImage(progress: Progress, image: string): (event: ImageProgress) => void {
  let step: StepHandle | undefined;
  return (event) => {
    switch (event.type) {
      case "output":
        step?.output(event.message);
        return;
      case "step":
      case "venv":
        if (event.type === "venv" || event.message.includes(": RUN ")) {
          step = progress.begin(`${image}: ${event.message}`);
        } else {
          step?.end();
          step = undefined;
        }
        return;
      case "done":
      case "cached":
        step?.end();
        step = undefined;
        progress.say(`  ${image}: ${event.message}`);
        return;
      default:
        step?.end();
        step = undefined;
        progress.say(`  ${image}: ${event.message}`);
    }
  };
}
