/**
 * Step scaling: the capacity a step policy asks for when its alarm fires, from how far the
 * metric is past the alarm's threshold. Pure. The bounds follow Application Auto Scaling:
 * above the threshold a step's lower bound is inclusive and its upper bound exclusive; below
 * it, the other way round.
 */
import type { StepAdjustment, StepScalingPolicy } from "../../model/types.js";

/** The step whose interval holds `breach` (metric − threshold), if any. */
export function matchingStep(
  steps: readonly StepAdjustment[],
  breach: number,
): StepAdjustment | undefined {
  const above = (step: StepAdjustment) =>
    breach >= (step.lower ?? Number.NEGATIVE_INFINITY) &&
    breach < (step.upper ?? Number.POSITIVE_INFINITY);
  const below = (step: StepAdjustment) =>
    breach > (step.lower ?? Number.NEGATIVE_INFINITY) &&
    breach <= (step.upper ?? Number.POSITIVE_INFINITY);
  // Exactly at the threshold, an alarm on `<=` meets the scale-in steps, which end at 0.
  if (breach > 0) return steps.find(above);
  if (breach < 0) return steps.find(below);
  return steps.find(above) ?? steps.find(below);
}

/**
 * The new capacity from `current` for a step's adjustment. A percent change is rounded toward
 * zero, but never to nothing (±1 at least), and to at least `minAdjustmentMagnitude` tasks.
 */
export function adjustedCapacity(
  policy: Pick<StepScalingPolicy, "adjustmentType" | "minAdjustmentMagnitude">,
  current: number,
  adjustment: number,
): number {
  switch (policy.adjustmentType) {
    case "ExactCapacity":
      return adjustment;
    case "ChangeInCapacity":
      return current + adjustment;
    case "PercentChangeInCapacity": {
      const raw = (current * adjustment) / 100;
      let change =
        raw > 0 ? Math.max(1, Math.floor(raw)) : raw < 0 ? Math.min(-1, Math.ceil(raw)) : 0;
      const least = policy.minAdjustmentMagnitude ?? 0;
      if (change !== 0 && Math.abs(change) < least) change = Math.sign(change) * least;
      return current + change;
    }
  }
}
