/**
 * Application Auto Scaling for a run: evaluates every scalable target's policies as each
 * period of its metrics completes (the pure `decide`), runs its scheduled actions, sets the
 * service's desired count, and keeps the activities for `events` and the APIs.
 */
import { randomUUID } from "node:crypto";
import type {
  EmulatedMetric,
  ScalableTarget,
  ScheduledAction,
  TargetTrackingPolicy,
} from "../../model/types.js";
import { BIN_MS, type MetricStore } from "../metrics/metric-store.js";
import {
  type ActivityRecord,
  decide,
  initialScalerState,
  type PolicyInput,
  type ScalerState,
  trackingAlarmNames,
} from "./decide.js";
import { firesBetween, parseSchedule, type Schedule } from "./schedule.js";
import { periodMsOf } from "./target-tracking.js";

/** A scaling activity as `describe-scaling-activities` shows it. */
export interface ScalingActivity extends ActivityRecord {
  readonly activityId: string;
  readonly serviceNamespace: "ecs";
  readonly resourceId: string;
  readonly scalableDimension: "ecs:service:DesiredCount";
  /** The service it scaled (for `events`). */
  readonly serviceName: string;
  /** Wall-clock milliseconds. */
  readonly startTime: number;
  readonly endTime: number;
}

/** What the autoscaler needs of a service. */
export interface ScaledService {
  readonly name: string;
  /** Desired and RUNNING tasks now, and whether a deployment is in progress. */
  counts(): { readonly desired: number; readonly running: number; readonly deploying: boolean };
  setDesiredCount(count: number): void;
}

/** One policy's metric against its target, for `ps`. */
export interface PolicyStatus {
  readonly policy: string;
  readonly kind: "TargetTracking" | "StepScaling";
  readonly metric: string;
  readonly target?: number;
  /** The latest complete datapoint, if any. */
  readonly value?: number;
  readonly alarms: readonly { readonly name: string; readonly state: string }[];
}

interface TargetState {
  readonly target: ScalableTarget;
  readonly service: ScaledService;
  readonly schedules: readonly { readonly action: ScheduledAction; readonly schedule: Schedule }[];
  scaler: ScalerState;
  lastEvaluation: number;
}

const ACTIVITIES_KEPT = 1_000;

export class Autoscaler {
  readonly #targets: TargetState[];
  readonly #store: MetricStore;
  readonly #onActivity: (activity: ScalingActivity) => void;
  readonly #activities: ScalingActivity[] = [];
  #lastCheck: { wall: number; aws: number } | undefined;

  constructor(options: {
    readonly targets: readonly {
      readonly target: ScalableTarget;
      readonly service: ScaledService;
    }[];
    readonly store: MetricStore;
    readonly onActivity?: (activity: ScalingActivity) => void;
  }) {
    this.#store = options.store;
    this.#onActivity = options.onActivity ?? (() => {});
    this.#targets = options.targets.map(({ target, service }) => ({
      target,
      service,
      // A malformed schedule stops `up` here, before anything scales.
      schedules: target.scheduledActions.map((action) => ({
        action,
        schedule: parseSchedule(action.schedule, action.timezone),
      })),
      scaler: initialScalerState(target),
      lastEvaluation: -1,
    }));
  }

  /**
   * Runs what is due: each target's policies once per period of its finest metric, and the
   * scheduled actions whose time came. `aws` is the run's AWS time (scaled), `wall` real time.
   */
  evaluate(now: { readonly aws: number; readonly wall: number }): void {
    const since = this.#lastCheck ?? now;
    this.#lastCheck = now;
    for (const state of this.#targets) {
      this.#runSchedules(state, since, now);
      const period = evaluationPeriodMs(state.target);
      const index = Math.floor(now.aws / period);
      if (index === state.lastEvaluation) continue;
      state.lastEvaluation = index;
      this.#runPolicies(state, now);
    }
  }

  #runPolicies(state: TargetState, now: { readonly aws: number; readonly wall: number }): void {
    const { target, service } = state;
    const counts = service.counts();
    const decision = decide(target, state.scaler, this.#inputs(target, now.aws), {
      now: now.aws,
      running: counts.running,
      desired: counts.desired,
      deploying: counts.deploying,
    });
    state.scaler = decision.state;
    if (decision.desired !== undefined) service.setDesiredCount(decision.desired);
    if (decision.activity) this.#record(state, decision.activity, now.wall);
  }

  #inputs(target: ScalableTarget, aws: number): PolicyInput[] {
    return target.policies.map((policy): PolicyInput => {
      if (policy.kind === "TargetTracking") {
        const datapoints = this.#store.datapoints(
          trackedMetric(policy, target.serviceId),
          policy.metric === "ALBRequestCountPerTarget" ? "Sum" : "Average",
          periodMsOf(policy.metric),
          15,
          aws,
        );
        return { policy, datapoints };
      }
      return {
        policy,
        alarms: policy.alarms.map((alarm) => ({
          alarm,
          datapoints: this.#store.datapoints(
            alarm.metric,
            alarm.statistic,
            Math.max(BIN_MS, alarm.periodMs),
            alarm.evaluationPeriods,
            aws,
          ),
        })),
      };
    });
  }

  #runSchedules(
    state: TargetState,
    since: { readonly aws: number; readonly wall: number },
    now: { readonly aws: number; readonly wall: number },
  ): void {
    if (state.target.suspended.scheduledScaling) return;
    for (const { action, schedule } of state.schedules) {
      if (action.startTime !== undefined && now.wall < action.startTime) continue;
      if (action.endTime !== undefined && now.wall > action.endTime) continue;
      const window = { since: since.wall, now: now.wall, sinceRunMs: since.aws, runMs: now.aws };
      if (!firesBetween(schedule, window, action.timezone)) continue;
      const minCapacity = action.minCapacity ?? state.scaler.minCapacity;
      const maxCapacity = action.maxCapacity ?? state.scaler.maxCapacity;
      state.scaler = { ...state.scaler, minCapacity, maxCapacity };
      // A scheduled action ignores cooldowns; the count moves into the new range at once.
      const { desired } = state.service.counts();
      const clamped = Math.min(maxCapacity, Math.max(minCapacity, desired));
      if (clamped !== desired) state.service.setDesiredCount(clamped);
      this.#record(
        state,
        {
          description: `Setting min capacity to ${minCapacity} and max capacity to ${maxCapacity}`,
          cause: `scheduled action name ${action.name} was triggered`,
          statusCode: "Successful",
          statusMessage:
            clamped === desired
              ? `Successfully set min capacity to ${minCapacity} and max capacity to ${maxCapacity}`
              : `Successfully set min capacity to ${minCapacity} and max capacity to ${maxCapacity}, and desired count to ${clamped}. Change successfully fulfilled by ecs.`,
        },
        now.wall,
      );
    }
  }

  #record(state: TargetState, record: ActivityRecord, wall: number): void {
    const last = this.#activities.findLast((a) => a.resourceId === state.target.resourceId);
    // A policy that keeps asking while nothing can change is said once, not every period.
    if (
      record.statusCode === "Failed" &&
      last?.statusCode === "Failed" &&
      last.cause === record.cause &&
      JSON.stringify(last.notScaledReasons) === JSON.stringify(record.notScaledReasons)
    ) {
      return;
    }
    const activity: ScalingActivity = {
      ...record,
      activityId: randomUUID(),
      serviceNamespace: "ecs",
      resourceId: state.target.resourceId,
      scalableDimension: "ecs:service:DesiredCount",
      serviceName: state.service.name,
      startTime: wall,
      endTime: wall,
    };
    this.#activities.push(activity);
    if (this.#activities.length > ACTIVITIES_KEPT) this.#activities.shift();
    this.#onActivity(activity);
  }

  /** Activities, oldest first; of one service when named. */
  activities(serviceName?: string): readonly ScalingActivity[] {
    return serviceName === undefined
      ? [...this.#activities]
      : this.#activities.filter((a) => a.serviceName === serviceName);
  }

  /** Each policy of a service's scalable target: its metric's latest value against its target. */
  policyStatus(serviceName: string, aws: number): PolicyStatus[] {
    const state = this.#targets.find((t) => t.service.name === serviceName);
    if (!state) return [];
    return state.target.policies.map((policy) => {
      const names =
        policy.kind === "TargetTracking"
          ? Object.values(trackingAlarmNames(state.target.resourceId, policy))
          : policy.alarms.map((a) => a.name);
      const alarms = names.map((name) => ({
        name,
        state: state.scaler.alarms.get(name) ?? "INSUFFICIENT_DATA",
      }));
      if (policy.kind === "TargetTracking") {
        const points = this.#store.datapoints(
          trackedMetric(policy, state.target.serviceId),
          policy.metric === "ALBRequestCountPerTarget" ? "Sum" : "Average",
          periodMsOf(policy.metric),
          1,
          aws,
        );
        const value = points[0];
        return {
          policy: policy.name,
          kind: policy.kind,
          metric: policy.metric,
          target: policy.targetValue,
          ...(value === undefined ? {} : { value }),
          alarms,
        };
      }
      const alarm = policy.alarms[0];
      return {
        policy: policy.name,
        kind: policy.kind,
        metric: alarm ? `${alarm.metric.namespace} ${alarm.metric.name}` : "none",
        alarms,
      };
    });
  }

  /** The current min and max of a service's scalable target (scheduled actions move them). */
  bounds(serviceName: string): { minCapacity: number; maxCapacity: number } | undefined {
    const state = this.#targets.find((t) => t.service.name === serviceName);
    return (
      state && { minCapacity: state.scaler.minCapacity, maxCapacity: state.scaler.maxCapacity }
    );
  }
}

function trackedMetric(policy: TargetTrackingPolicy, serviceId: string): EmulatedMetric {
  switch (policy.metric) {
    case "ECSServiceAverageCPUUtilization":
    case "ECSServiceAverageCPUUtilizationHighResolution":
      return { namespace: "AWS/ECS", name: "CPUUtilization", serviceId };
    case "ECSServiceAverageMemoryUtilization":
    case "ECSServiceAverageMemoryUtilizationHighResolution":
      return { namespace: "AWS/ECS", name: "MemoryUtilization", serviceId };
    case "ALBRequestCountPerTarget":
      return {
        namespace: "AWS/ApplicationELB",
        name: "RequestCountPerTarget",
        targetGroupId: policy.targetGroupId ?? "",
      };
  }
}

/** How often a target's policies are looked at: the finest period among its metrics. */
function evaluationPeriodMs(target: ScalableTarget): number {
  const periods = target.policies.flatMap((p) =>
    p.kind === "TargetTracking"
      ? [periodMsOf(p.metric)]
      : p.alarms.map((a) => Math.max(BIN_MS, a.periodMs)),
  );
  return periods.length === 0 ? 60_000 : Math.min(...periods);
}
