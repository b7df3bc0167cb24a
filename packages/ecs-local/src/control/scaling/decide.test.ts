import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StepScalingPolicy, TargetTrackingPolicy } from "../../model/types.js";
import {
  type Datapoints,
  type Decision,
  decide,
  initialScalerState,
  type PolicyInput,
  type ScalerState,
  type Situation,
  trackingAlarmNames,
} from "./decide.js";

const origin = { logicalId: "P", constructPath: "Stack/Svc/TaskCount/Target/P" };
const target = {
  resourceId: "service/ecs-web-app-cluster/backend-service",
  suspended: { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false },
};
const tracking = (over: Partial<TargetTrackingPolicy> = {}): TargetTrackingPolicy => ({
  kind: "TargetTracking",
  origin,
  name: "memory",
  metric: "ECSServiceAverageMemoryUtilization",
  targetValue: 20,
  scaleInCooldownMs: 60_000,
  scaleOutCooldownMs: 60_000,
  disableScaleIn: false,
  ...over,
});
const above = (value: number): Datapoints => [value, value, value];
const below = (value: number): Datapoints => Array.from({ length: 15 }, () => value);
const situation = (over: Partial<Situation> = {}): Situation => ({
  now: 1_000_000,
  running: 1,
  desired: 1,
  deploying: false,
  ...over,
});
const state = (min = 1, max = 5): ScalerState =>
  initialScalerState({ minCapacity: min, maxCapacity: max });
const run = (inputs: PolicyInput[], s: Partial<Situation> = {}, st = state()): Decision =>
  decide(target, st, inputs, situation(s));

describe("target tracking", () => {
  test("three datapoints above the target scale out proportionally, in §1.7's words", () => {
    const policy = tracking();
    const decision = run([{ policy, datapoints: above(46) }]);
    assert.equal(decision.desired, 3, "1 task at 46 % of a 20 % target → ceil(2.3) = 3");
    const high = trackingAlarmNames(target.resourceId, policy).high;
    assert.match(
      high,
      /^TargetTracking-service\/ecs-web-app-cluster\/backend-service-AlarmHigh-[0-9a-f-]{36}$/,
    );
    assert.deepEqual(decision.activity, {
      description: "Setting desired count to 3.",
      cause: `monitor alarm ${high} in state ALARM triggered policy memory`,
      statusCode: "Successful",
      statusMessage: "Successfully set desired count to 3. Change successfully fulfilled by ecs.",
    });
    assert.deepEqual(
      decision.alarmChanges.map((c) => [c.name.includes("High") ? "high" : "low", c.to]),
      [
        ["high", "ALARM"],
        ["low", "OK"],
      ],
    );
  });

  test("two datapoints above are not enough", () => {
    assert.equal(run([{ policy: tracking(), datapoints: [10, 30, 30] }]).desired, undefined);
  });

  test("fifteen below 90 % of the target scale in, not before", () => {
    const policy = tracking();
    assert.equal(run([{ policy, datapoints: below(10) }], { running: 4, desired: 4 }).desired, 2);
    assert.equal(
      run([{ policy, datapoints: [...below(10).slice(1), 19] }], { running: 4, desired: 4 })
        .desired,
      undefined,
    );
  });

  test("DisableScaleIn: the policy never removes tasks", () => {
    const policy = tracking({ disableScaleIn: true });
    assert.equal(
      run([{ policy, datapoints: below(5) }], { running: 4, desired: 4 }).activity,
      undefined,
    );
  });

  test("no scale-in while a deployment runs; scale-out goes on", () => {
    const policy = tracking();
    assert.equal(
      run([{ policy, datapoints: below(5) }], { running: 4, desired: 4, deploying: true }).desired,
      undefined,
    );
    assert.equal(run([{ policy, datapoints: above(50) }], { deploying: true }).desired, 3);
  });

  test("missing data everywhere: insufficient data, no scaling either way", () => {
    const decision = run([{ policy: tracking(), datapoints: [undefined, undefined, undefined] }]);
    assert.equal(decision.desired, undefined);
    assert.equal(decision.activity, undefined);
  });
});

describe("cooldowns", () => {
  test("after a scale-out, only a larger scale-out goes ahead until the cooldown ends", () => {
    const policy = tracking();
    const first = run([{ policy, datapoints: above(50) }]);
    assert.equal(first.desired, 3);
    const same = run(
      [{ policy, datapoints: above(50) }],
      { now: 1_030_000, running: 1, desired: 3 },
      first.state,
    );
    assert.equal(same.desired, undefined, "asks for 3 again: held by the cooldown");
    const larger = run(
      [{ policy, datapoints: above(90) }],
      { now: 1_030_000, running: 1, desired: 3 },
      first.state,
    );
    assert.equal(larger.desired, 5, "a larger scale-out proceeds (ceil(4.5) = 5)");
    const after = run(
      [{ policy, datapoints: above(50) }],
      { now: 1_061_000, running: 3, desired: 3 },
      first.state,
    );
    assert.equal(after.desired, 5, "after the cooldown: 3 tasks at 50 % → 8, capped at the max 5");
  });

  test("after a scale-in, scale-in waits; a scale-out cancels that cooldown", () => {
    const policy = tracking();
    const first = run([{ policy, datapoints: below(5) }], { running: 4, desired: 4 });
    assert.equal(first.desired, 1);
    const held = run(
      [{ policy, datapoints: below(5) }],
      { now: 1_010_000, running: 3, desired: 3 },
      first.state,
    );
    assert.equal(held.desired, undefined);
    const out = run(
      [{ policy, datapoints: above(50) }],
      { now: 1_020_000, running: 1, desired: 1 },
      first.state,
    );
    assert.equal(out.desired, 3);
    const inAgain = run(
      [{ policy, datapoints: below(5) }],
      { now: 1_030_000, running: 3, desired: 3 },
      out.state,
    );
    assert.equal(inAgain.desired, 1, "the scale-out cancelled the scale-in cooldown");
  });
});

describe("min and max", () => {
  test("at the maximum, a scale-out is not scaled, with the reason", () => {
    const decision = run([{ policy: tracking(), datapoints: above(90) }], {
      running: 5,
      desired: 5,
    });
    assert.equal(decision.desired, undefined);
    assert.deepEqual(decision.activity?.notScaledReasons, [
      { code: "AlreadyAtMaxCapacity", maxCapacity: 5 },
    ]);
    assert.equal(decision.activity?.statusCode, "Failed");
    assert.equal(decision.activity?.description, "Attempting to scale due to alarm triggered");
  });

  test("at the minimum, a scale-in is not scaled, with the reason", () => {
    const decision = run([{ policy: tracking(), datapoints: below(1) }], {
      running: 1,
      desired: 1,
    });
    assert.deepEqual(decision.activity?.notScaledReasons, [
      { code: "AlreadyAtMinCapacity", minCapacity: 1 },
    ]);
  });

  test("below the minimum a scale-out first raises to it; above the maximum a scale-in first lowers to it", () => {
    const low = run(
      [{ policy: tracking(), datapoints: above(21) }],
      { running: 1, desired: 1 },
      state(3, 5),
    );
    assert.equal(low.desired, 3);
    const high = run(
      [{ policy: tracking(), datapoints: below(17) }],
      { running: 8, desired: 8 },
      state(1, 5),
    );
    assert.equal(high.desired, 5, "8 tasks at 17 % of 20 % → 7, lowered to the max 5");
  });
});

describe("several policies on one target", () => {
  const memory = tracking({ name: "memory" });
  const cpu = tracking({ name: "cpu", metric: "ECSServiceAverageCPUUtilization", targetValue: 50 });

  test("scale out if any policy asks; the largest capacity wins", () => {
    const decision = run(
      [
        { policy: memory, datapoints: above(30) },
        { policy: cpu, datapoints: above(200) },
      ],
      { running: 1, desired: 1 },
    );
    assert.equal(decision.desired, 4, "memory asks 2, cpu asks 4");
    assert.match(decision.activity?.cause ?? "", /triggered policy cpu$/);
  });

  test("scale in only if every scale-in-enabled policy asks", () => {
    const oneQuiet = run(
      [
        { policy: memory, datapoints: below(5) },
        { policy: cpu, datapoints: below(40) },
      ],
      { running: 4, desired: 4 },
    );
    assert.equal(oneQuiet.desired, undefined, "cpu at 40 is not below 45");
    const both = run(
      [
        { policy: memory, datapoints: below(5) },
        { policy: cpu, datapoints: below(20) },
      ],
      { running: 4, desired: 4 },
    );
    assert.equal(both.desired, 2, "memory asks 1, cpu asks 2: the larger wins");
    const cpuNeverIn = tracking({ ...cpu, disableScaleIn: true });
    const ignored = run(
      [
        { policy: memory, datapoints: below(5) },
        { policy: cpuNeverIn, datapoints: below(40) },
      ],
      { running: 4, desired: 4 },
    );
    assert.equal(ignored.desired, 1, "a policy with scale-in disabled has no say");
  });
});

describe("step scaling", () => {
  const step = (over: Partial<StepScalingPolicy>): StepScalingPolicy => ({
    kind: "StepScaling",
    origin,
    name: "steps-upper",
    adjustmentType: "ChangeInCapacity",
    steps: [
      { lower: 0, upper: 30, adjustment: 1 },
      { lower: 30, adjustment: 3 },
    ],
    cooldownMs: 300_000,
    aggregation: "Average",
    alarms: [
      {
        origin,
        name: "cpu-high",
        metric: { namespace: "AWS/ECS", name: "CPUUtilization", serviceId: "Svc" },
        statistic: "Average",
        periodMs: 60_000,
        threshold: 50,
        comparison: "GreaterThanOrEqualToThreshold",
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      },
    ],
    ...over,
  });

  test("the step the breach falls in sets the change", () => {
    const policy = step({});
    const small = run(
      [{ policy, alarms: [{ alarm: policy.alarms[0] as never, datapoints: [60] }] }],
      { running: 2, desired: 2 },
    );
    assert.equal(small.desired, 3);
    assert.equal(
      small.activity?.cause,
      "monitor alarm cpu-high in state ALARM triggered policy steps-upper",
    );
    const big = run(
      [{ policy, alarms: [{ alarm: policy.alarms[0] as never, datapoints: [95] }] }],
      { running: 2, desired: 2 },
    );
    assert.equal(big.desired, 5);
  });
});
