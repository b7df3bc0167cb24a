/**
 * The loop that feeds and runs autoscaling: every sample interval it samples each service's
 * RUNNING tasks and each target group's requests into the metric store (as the ECS agent and
 * the ALB publish them), then lets the autoscaler act on what completed. Time inside is AWS
 * time: real time since the run began, times `--time-scale`, so a 60 s period at scale 10
 * lasts 6 real seconds and a 3-minute alarm 18.
 */
import type { Model } from "../../model/types.js";
import type { LoadBalancerListener } from "../../proxy/load-balancer.js";
import { BIN_MS, MetricStore } from "../metrics/metric-store.js";
import { Timeline } from "../metrics/timeline.js";
import { type TaskUsageRow, UsageSampler } from "../metrics/usage-sampler.js";
import type { ServiceController } from "../service-controller.js";
import type { Clock } from "../time-scale.js";
import { Autoscaler, type PolicyStatus, type ScalingActivity } from "./autoscaler.js";

export class ScalingLoop {
  readonly store = new MetricStore();
  /** Desired, running and each policy's metric per sample, for the dashboard. */
  readonly timeline = new Timeline();
  readonly autoscaler: Autoscaler;
  readonly #sampler: UsageSampler;
  readonly #now: () => number;
  readonly #controllers: readonly ServiceController[];
  readonly #listeners: readonly LoadBalancerListener[];
  readonly #timeScale: number;
  readonly #startedAt: number;
  #timer?: NodeJS.Timeout;
  #usage: TaskUsageRow[] = [];

  constructor(options: {
    readonly model: Model;
    readonly controllers: readonly ServiceController[];
    readonly listeners: readonly LoadBalancerListener[];
    readonly clock: Clock;
    /** A service's desired count changed (so the control plane reconciles at once). */
    readonly onDesiredCount: () => void;
    readonly onActivity: (activity: ScalingActivity) => void;
    /** Real milliseconds. @default Date.now */
    readonly now?: () => number;
  }) {
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#sampler = new UsageSampler(this.#now);
    this.#controllers = options.controllers;
    this.#listeners = options.listeners;
    this.#timeScale = options.clock.timeScale;
    const byId = new Map(options.controllers.map((c) => [c.service.origin.logicalId, c]));
    this.autoscaler = new Autoscaler({
      store: this.store,
      onActivity: options.onActivity,
      targets: options.model.scaling.flatMap((target) => {
        const controller = byId.get(target.serviceId);
        if (!controller) return [];
        return [
          {
            target,
            service: {
              name: controller.service.name,
              counts: () => ({
                desired: controller.desiredCount,
                running: controller.liveTasks().filter((t) => t.status === "RUNNING").length,
                // AAS turns scale-in off while a deployment is in progress (§2).
                deploying: controller.deployments()[0]?.rolloutState === "IN_PROGRESS",
              }),
              setDesiredCount: (count: number) => {
                controller.desiredCount = count;
                options.onDesiredCount();
              },
            },
          },
        ];
      }),
    });
  }

  /** AWS milliseconds since the run began. */
  awsNow(): number {
    return this.awsTimeOf(this.#now());
  }

  /** The AWS time (milliseconds since the run began, scaled) of a wall-clock time. */
  awsTimeOf(wallMs: number): number {
    return (wallMs - this.#startedAt) * this.#timeScale;
  }

  /** The wall-clock time (milliseconds since the epoch) at which an AWS time was reached. */
  wallTimeOf(awsMs: number): number {
    return this.#startedAt + awsMs / this.#timeScale;
  }

  /** Samples twice per 20-second bin (at least every 250 real milliseconds). */
  start(): void {
    const everyMs = Math.max(250, BIN_MS / this.#timeScale / 2);
    this.#timer = setInterval(() => this.sample(), everyMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /** One round: sample, store, scale. */
  sample(): void {
    const aws = this.awsNow();
    const usage: TaskUsageRow[] = [];
    for (const controller of this.#controllers) {
      const { rows, samples } = this.#sampler.sample(
        controller.service.name,
        controller.taskDefinition,
        controller.liveTasks(),
      );
      usage.push(...rows);
      this.store.addServiceSample(controller.service.origin.logicalId, aws, samples);
    }
    this.#usage = usage;
    for (const listener of this.#listeners) {
      const counts = listener.takeRequestCounts();
      for (const group of listener.targetGroupIds) {
        // Counted in real time, stored in AWS time: a real second stands for `timeScale`.
        const requests = (counts.get(group) ?? 0) * this.#timeScale;
        this.store.addTargetGroupSample(group, aws, {
          requests,
          healthy: listener.healthyTargets(group),
          unhealthy: listener.unhealthyTargets(group),
        });
      }
    }
    this.autoscaler.evaluate({ aws, wall: this.#now() });
    this.timeline.add(
      this.#now(),
      this.#controllers.map((controller) => ({
        service: controller.service.name,
        desired: controller.desiredCount,
        running: controller.liveTasks().filter((t) => t.status === "RUNNING").length,
        policies: this.policyStatus(controller.service.name).map((p) => ({
          name: p.policy,
          ...(p.value === undefined ? {} : { value: p.value }),
          ...(p.target === undefined ? {} : { target: p.target }),
        })),
      })),
    );
  }

  /** What each RUNNING task used in the last sample. */
  get usage(): readonly TaskUsageRow[] {
    return this.#usage;
  }

  policyStatus(service: string): PolicyStatus[] {
    return this.autoscaler.policyStatus(service, this.awsNow());
  }
}
