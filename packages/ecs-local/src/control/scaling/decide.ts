/**
 * One evaluation of a scalable target's policies, as Application Auto Scaling makes it (§1.3–1.7
 * of the reference): alarm states from the latest datapoints, what each policy asks for, the
 * cooldowns, the rule for several policies (out if any asks, in only if every scale-in-enabled
 * target-tracking policy asks; the largest capacity wins), min/max, and the activity it
 * records. Pure: state and datapoints in, new state and decision out.
 */
import { createHash } from "node:crypto";
import type {
  MetricAlarm,
  ScalableTarget,
  ScalingPolicy,
  StepScalingPolicy,
  TargetTrackingPolicy,
} from "../../model/types.js";
import { type AlarmState, evaluateAlarm } from "./alarm.js";
import { adjustedCapacity, matchingStep } from "./step-scaling.js";
import { targetTrackingAlarms, trackingCapacity } from "./target-tracking.js";

/** Datapoints of one alarm's metric, one per period, oldest first (`undefined`: missing). */
export type Datapoints = readonly (number | undefined)[];

export type PolicyInput =
  | { readonly policy: TargetTrackingPolicy; readonly datapoints: Datapoints }
  | {
      readonly policy: StepScalingPolicy;
      readonly alarms: readonly { readonly alarm: MetricAlarm; readonly datapoints: Datapoints }[];
    };

export interface PolicyCooldowns {
  /** Scale-out by this policy is held until then, unless it asks for more than `outCapacity`. */
  readonly outUntil?: number;
  readonly outCapacity?: number;
  /** Scale-in by this policy is held until then. */
  readonly inUntil?: number;
}

export interface ScalerState {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly alarms: ReadonlyMap<string, AlarmState>;
  /** By policy name. */
  readonly cooldowns: ReadonlyMap<string, PolicyCooldowns>;
}

export interface Situation {
  /** Run time in AWS milliseconds (scaled). */
  readonly now: number;
  readonly running: number;
  readonly desired: number;
  /** A deployment is in progress: AAS turns scale-in off. */
  readonly deploying: boolean;
}

export type NotScaledCode =
  | "AlreadyAtMaxCapacity"
  | "AlreadyAtMinCapacity"
  | "AlreadyAtDesiredCapacity"
  | "AutoScalingAnticipatedFlapping";

export interface NotScaledReason {
  readonly code: NotScaledCode;
  readonly maxCapacity?: number;
  readonly minCapacity?: number;
  readonly currentCapacity?: number;
}

/** A scaling activity, in the words `describe-scaling-activities` uses. */
export interface ActivityRecord {
  readonly description: string;
  readonly cause: string;
  readonly statusCode: "Successful" | "Failed";
  readonly statusMessage?: string;
  readonly notScaledReasons?: readonly NotScaledReason[];
}

export interface Decision {
  readonly state: ScalerState;
  /** The new desired count, when it changes. */
  readonly desired?: number;
  /** What happened, when an alarm asked for something. */
  readonly activity?: ActivityRecord;
  readonly alarmChanges: readonly { name: string; from: AlarmState; to: AlarmState }[];
}

interface Wish {
  readonly policy: ScalingPolicy;
  readonly direction: "out" | "in";
  readonly alarm: string;
  /** undefined: the policy wanted in, but removing a task would breach its target again. */
  readonly capacity: number | undefined;
}

/** The names AAS gives a target-tracking policy's alarms. */
export function trackingAlarmNames(
  resourceId: string,
  policy: Pick<TargetTrackingPolicy, "name">,
): { high: string; low: string } {
  const id = (side: string) => {
    const h = createHash("sha256").update(`${policy.name}/${side}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  return {
    high: `TargetTracking-${resourceId}-AlarmHigh-${id("high")}`,
    low: `TargetTracking-${resourceId}-AlarmLow-${id("low")}`,
  };
}

export function initialScalerState(
  target: Pick<ScalableTarget, "minCapacity" | "maxCapacity">,
): ScalerState {
  return {
    minCapacity: target.minCapacity,
    maxCapacity: target.maxCapacity,
    alarms: new Map(),
    cooldowns: new Map(),
  };
}

export function decide(
  target: Pick<ScalableTarget, "resourceId" | "suspended">,
  state: ScalerState,
  inputs: readonly PolicyInput[],
  situation: Situation,
): Decision {
  const alarms = new Map(state.alarms);
  const alarmChanges: { name: string; from: AlarmState; to: AlarmState }[] = [];
  const evaluate = (
    name: string,
    rule: Parameters<typeof evaluateAlarm>[0],
    points: Datapoints,
  ) => {
    const from = alarms.get(name) ?? "INSUFFICIENT_DATA";
    const to = evaluateAlarm(rule, points, from);
    alarms.set(name, to);
    if (to !== from) alarmChanges.push({ name, from, to });
    return to;
  };
  const wishes: Wish[] = [];
  for (const input of inputs) {
    if ("datapoints" in input) {
      wishes.push(...trackingWishes(target.resourceId, input, situation, evaluate));
    } else {
      wishes.push(...stepWishes(input, situation, evaluate));
    }
  }
  const base = { ...state, alarms };
  // A target-tracking policy with scale-in enabled that does not ask to scale in blocks it.
  const scaleInVoters = inputs.filter(
    (i) => i.policy.kind === "TargetTracking" && !i.policy.disableScaleIn,
  ).length;
  const outcome = choose(target, base, wishes, situation, scaleInVoters);
  return { ...outcome, alarmChanges };
}

type Evaluate = (
  name: string,
  rule: Parameters<typeof evaluateAlarm>[0],
  points: Datapoints,
) => AlarmState;

function latest(points: Datapoints): number | undefined {
  for (let i = points.length - 1; i >= 0; i--) if (points[i] !== undefined) return points[i];
  return undefined;
}

function trackingWishes(
  resourceId: string,
  input: { readonly policy: TargetTrackingPolicy; readonly datapoints: Datapoints },
  situation: Situation,
  evaluate: Evaluate,
): Wish[] {
  const { policy, datapoints } = input;
  const rules = targetTrackingAlarms(policy);
  const names = trackingAlarmNames(resourceId, policy);
  const high = evaluate(names.high, rules.high, datapoints);
  const low = evaluate(names.low, rules.low, datapoints);
  const metric = latest(datapoints);
  if (metric === undefined) return [];
  if (high === "ALARM") {
    const proposal = trackingCapacity(situation.running, metric, policy.targetValue, "out");
    const capacity = proposal.type === "capacity" ? proposal.capacity : undefined;
    return [{ policy, direction: "out", alarm: names.high, capacity }];
  }
  if (low === "ALARM" && !policy.disableScaleIn) {
    const proposal = trackingCapacity(situation.running, metric, policy.targetValue, "in");
    const capacity = proposal.type === "capacity" ? proposal.capacity : undefined;
    return [{ policy, direction: "in", alarm: names.low, capacity }];
  }
  return [];
}

function stepWishes(
  input: {
    readonly policy: StepScalingPolicy;
    readonly alarms: readonly { readonly alarm: MetricAlarm; readonly datapoints: Datapoints }[];
  },
  situation: Situation,
  evaluate: Evaluate,
): Wish[] {
  const wishes: Wish[] = [];
  for (const { alarm, datapoints } of input.alarms) {
    if (evaluate(alarm.name, alarm, datapoints) !== "ALARM") continue;
    const value = latest(datapoints);
    const step =
      value === undefined ? undefined : matchingStep(input.policy.steps, value - alarm.threshold);
    if (!step) continue;
    const capacity = adjustedCapacity(input.policy, situation.running, step.adjustment);
    const direction = capacity >= situation.running ? "out" : "in";
    wishes.push({ policy: input.policy, direction, alarm: alarm.name, capacity });
  }
  return wishes;
}

function cooldownsOf(state: ScalerState, policy: ScalingPolicy): PolicyCooldowns {
  return state.cooldowns.get(policy.name) ?? {};
}

function outCooldownMs(policy: ScalingPolicy): number {
  return policy.kind === "TargetTracking" ? policy.scaleOutCooldownMs : policy.cooldownMs;
}

function inCooldownMs(policy: ScalingPolicy): number {
  return policy.kind === "TargetTracking" ? policy.scaleInCooldownMs : policy.cooldownMs;
}

/** Applies cooldowns, the several-policies rule and min/max to the wishes. */
function choose(
  target: Pick<ScalableTarget, "suspended">,
  state: ScalerState,
  wishes: readonly Wish[],
  situation: Situation,
  scaleInVoters: number,
): Omit<Decision, "alarmChanges"> {
  const { now, desired } = situation;
  const outs = target.suspended.dynamicScalingOut
    ? []
    : wishes.filter((w) => {
        if (w.direction !== "out" || w.capacity === undefined) return false;
        const cool = cooldownsOf(state, w.policy);
        // During its scale-out cooldown a policy adds more only for a larger scale-out.
        return !(
          cool.outUntil !== undefined &&
          cool.outUntil > now &&
          w.capacity <= (cool.outCapacity ?? 0)
        );
      });
  if (outs.length > 0) return scaleOut(state, outs, situation);

  if (target.suspended.dynamicScalingIn || situation.deploying) return { state };
  const ins = wishes.filter((w) => w.direction === "in");
  if (ins.length === 0) return { state };
  // Target tracking scales in only when every policy that may scale in agrees.
  const trackingIns = ins.filter((w) => w.policy.kind === "TargetTracking");
  const stepIns = ins.filter((w) => w.policy.kind === "StepScaling");
  const agreeing = trackingIns.length > 0 && trackingIns.length === scaleInVoters;
  const candidates = [...(agreeing ? trackingIns : []), ...stepIns].filter((w) => {
    const cool = cooldownsOf(state, w.policy);
    return !(cool.inUntil !== undefined && cool.inUntil > now);
  });
  if (candidates.length === 0) return { state };
  return scaleIn(state, candidates, situation, desired);
}

function scaleOut(
  state: ScalerState,
  outs: readonly Wish[],
  situation: Situation,
): Omit<Decision, "alarmChanges"> {
  const { desired } = situation;
  const winner = outs.reduce((a, b) => ((b.capacity ?? 0) > (a.capacity ?? 0) ? b : a));
  const cause = causeOf(winner);
  if (desired >= state.maxCapacity) {
    return notScaled(state, cause, [
      { code: "AlreadyAtMaxCapacity", maxCapacity: state.maxCapacity },
    ]);
  }
  // Below the minimum, a scale-out first raises the count to it, then goes on from there.
  const wanted = Math.max(
    winner.capacity ?? 0,
    desired < state.minCapacity ? state.minCapacity : 0,
  );
  const capacity = Math.min(state.maxCapacity, wanted);
  if (capacity <= desired) {
    return notScaled(state, cause, [
      { code: "AlreadyAtDesiredCapacity", currentCapacity: desired },
    ]);
  }
  const cooldowns = new Map<string, PolicyCooldowns>();
  for (const [name, cool] of state.cooldowns) cooldowns.set(name, { ...cool, inUntil: undefined });
  cooldowns.set(winner.policy.name, {
    outUntil: situation.now + outCooldownMs(winner.policy),
    outCapacity: capacity,
  });
  return { state: { ...state, cooldowns }, desired: capacity, activity: scaled(cause, capacity) };
}

function scaleIn(
  state: ScalerState,
  ins: readonly Wish[],
  situation: Situation,
  desired: number,
): Omit<Decision, "alarmChanges"> {
  const flapping = ins.find((w) => w.capacity === undefined);
  const winner = flapping ?? ins.reduce((a, b) => ((b.capacity ?? 0) > (a.capacity ?? 0) ? b : a));
  const cause = causeOf(winner);
  if (flapping) return notScaled(state, cause, [{ code: "AutoScalingAnticipatedFlapping" }]);
  if (desired <= state.minCapacity) {
    return notScaled(state, cause, [
      { code: "AlreadyAtMinCapacity", minCapacity: state.minCapacity },
    ]);
  }
  // Above the maximum, a scale-in first lowers the count to it, then goes on from there.
  const capacity = Math.max(
    state.minCapacity,
    Math.min(winner.capacity ?? desired, state.maxCapacity),
  );
  if (capacity >= desired) {
    return notScaled(state, cause, [
      { code: "AlreadyAtDesiredCapacity", currentCapacity: desired },
    ]);
  }
  const cooldowns = new Map(state.cooldowns);
  for (const wish of ins) {
    cooldowns.set(wish.policy.name, {
      ...cooldowns.get(wish.policy.name),
      inUntil: situation.now + inCooldownMs(wish.policy),
    });
  }
  return { state: { ...state, cooldowns }, desired: capacity, activity: scaled(cause, capacity) };
}

function causeOf(wish: Wish): string {
  return `monitor alarm ${wish.alarm} in state ALARM triggered policy ${wish.policy.name}`;
}

function scaled(cause: string, capacity: number): ActivityRecord {
  return {
    description: `Setting desired count to ${capacity}.`,
    cause,
    statusCode: "Successful",
    statusMessage: `Successfully set desired count to ${capacity}. Change successfully fulfilled by ecs.`,
  };
}

function notScaled(
  state: ScalerState,
  cause: string,
  reasons: readonly NotScaledReason[],
): Omit<Decision, "alarmChanges"> {
  return {
    state,
    activity: {
      description: "Attempting to scale due to alarm triggered",
      cause,
      statusCode: "Failed",
      notScaledReasons: reasons,
    },
  };
}
