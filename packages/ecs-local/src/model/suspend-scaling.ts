/**
 * `up --suspend-scaling`: every scalable target as `register-scalable-target
 * --suspended-state` with all three set would leave it, so the task counts stay as deployed
 * (benchmarks, debugging one task). Policies and alarms are still read and shown. Pure.
 */
import type { Model } from "./types.js";

export function suspendScaling(model: Model): Model {
  return {
    ...model,
    scaling: model.scaling.map((target) => ({
      ...target,
      suspended: { dynamicScalingIn: true, dynamicScalingOut: true, scheduledScaling: true },
    })),
  };
}
