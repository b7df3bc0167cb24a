/**
 * Target tracking as Application Auto Scaling runs it for an ECS service (§1.3–1.4 of the
 * reference): two alarms per policy, and the new desired count when one of them fires. Pure.
 */
import type { PredefinedMetric, TargetTrackingPolicy } from "../../model/types.js";
import type { AlarmRule } from "./alarm.js";

/** Seconds of one datapoint: 20 for the high-resolution types, else 60. */
export function periodMsOf(metric: PredefinedMetric): number {
  return metric.endsWith("HighResolution") ? 20_000 : 60_000;
}

/**
 * The alarms AAS creates (as observed on live ECS services): AlarmHigh fires on 3 of 3
 * datapoints above the target; AlarmLow on 15 of 15 below 90 % of it.
 */
export function targetTrackingAlarms(policy: Pick<TargetTrackingPolicy, "targetValue">): {
  readonly high: AlarmRule;
  readonly low: AlarmRule;
} {
  return {
    high: {
      threshold: policy.targetValue,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    },
    low: {
      threshold: 0.9 * policy.targetValue,
      comparison: "LessThanThreshold",
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
    },
  };
}

export type TrackingProposal =
  | { readonly type: "capacity"; readonly capacity: number }
  | { readonly type: "flapping" };

/**
 * The capacity that brings `metric` to `target` from `running` tasks, rounded as AAS rounds:
 * up when adding (never too little), up when removing (never too much). From zero tasks it
 * starts with one. A scale-in that would push the metric back over the target is refused as
 * anticipated flapping. AWS does not publish the formula; this is the reference's model.
 */
export function trackingCapacity(
  running: number,
  metric: number,
  target: number,
  direction: "out" | "in",
): TrackingProposal {
  if (running === 0) return { type: "capacity", capacity: direction === "out" ? 1 : 0 };
  const exact = (running * metric) / target;
  // A hair of tolerance: 4 tasks at 25 % of a 50 % target is 2.0000000000000004 in floats.
  const capacity = Math.max(0, Math.ceil(exact - 1e-9));
  if (direction === "out") return { type: "capacity", capacity: Math.max(capacity, running) };
  if (capacity >= running) return { type: "capacity", capacity: running };
  if (capacity > 0 && (metric * running) / capacity > target) return { type: "flapping" };
  return { type: "capacity", capacity };
}
