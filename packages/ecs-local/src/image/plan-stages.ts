/**
 * Which stages a build needs and what their folders are called: the target, its FROM chain and
 * the stages its `COPY --from` lines read. Pure.
 */
import { DockerfileError } from "../errors.js";
import type { Stage } from "./dockerfile-parse.js";

/** Names that must not be used as a stage folder because the build folder uses them. */
const RESERVED_KEYS = new Set(["venv", "done", "context"]);

/** Folder name of a stage under the build folder: its name, or its index. */
export function stageKey(stage: Stage): string {
  const key = stage.name ?? String(stage.index);
  return RESERVED_KEYS.has(key) ? `stage-${key}` : key;
}

/** Index of the stage `ref` names (its name, any case, or its index); -1 when none does. */
export function findStage(stages: readonly Stage[], ref: string): number {
  const lower = ref.toLowerCase();
  const byName = stages.findIndex((s) => s.name === lower);
  if (byName >= 0) return byName;
  return /^\d+$/.test(ref) && Number(ref) < stages.length ? Number(ref) : -1;
}

/** Index of the final stage: `target`, or the last one. Throws when `target` names none. */
export function targetStage(
  stages: readonly Stage[],
  target: string | undefined,
  fileName: string,
): number {
  if (target === undefined) return stages.length - 1;
  const index = findStage(stages, target);
  if (index < 0) {
    const names = stages.map((s) => s.name ?? String(s.index)).join(", ");
    throw new DockerfileError(
      `${fileName}: target stage "${target}" does not exist. Stages are: ${names}. ` +
        "Set the image asset's `target` to one of them.",
    );
  }
  return index;
}

/** The stages `finalIndex` needs: itself, its FROM chain and the stages it copies from. */
export function neededStages(stages: readonly Stage[], finalIndex: number): Set<number> {
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    const stage = stages[i] as Stage;
    if (stage.baseStage !== undefined) visit(stage.baseStage);
    for (const ins of stage.instructions) {
      if (ins.kind !== "copy" || ins.from === undefined) continue;
      const j = findStage(stages, ins.from);
      if (j >= 0 && j < i) visit(j);
    }
  };
  visit(finalIndex);
  return needed;
}
