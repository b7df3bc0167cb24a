import assert from "node:assert/strict";
import { test } from "node:test";
import { type AlarmRule, type AlarmState, evaluateAlarm } from "./alarm.js";
import { targetTrackingAlarms } from "./target-tracking.js";

const _ = undefined;

test("the target-tracking alarms of the reference: high = target, 3 of 3; low = 0.9 × target, 15 of 15", () => {
  for (const [target, low] of [
    [70, 63],
    [50, 45],
    [30, 27],
  ] as const) {
    const alarms = targetTrackingAlarms({ targetValue: target });
    assert.deepEqual(alarms.high, {
      threshold: target,
      comparison: "GreaterThanThreshold",
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });
    assert.equal(Math.round(alarms.low.threshold * 1000) / 1000, low);
    assert.equal(alarms.low.comparison, "LessThanThreshold");
    assert.equal(alarms.low.evaluationPeriods, 15);
    assert.equal(alarms.low.datapointsToAlarm, 15);
  }
});

test("M of N with missing data treated as missing", () => {
  const high: AlarmRule = targetTrackingAlarms({ targetValue: 20 }).high;
  const cases: [datapoints: (number | undefined)[], previous: AlarmState, expected: AlarmState][] =
    [
      [[], "INSUFFICIENT_DATA", "INSUFFICIENT_DATA"],
      [[_, _, _], "OK", "INSUFFICIENT_DATA"],
      [[25, 26, 27], "OK", "ALARM"],
      [[10, 25, 26, 27], "OK", "ALARM"],
      [[25, 26, 19], "ALARM", "OK"],
      [[25, 20, 27], "OK", "OK"],
      // Two breaching and one missing: ALARM is still possible, so the state holds.
      [[25, _, 27], "OK", "OK"],
      [[25, _, 27], "ALARM", "ALARM"],
      [[_, 25, 26], "INSUFFICIENT_DATA", "OK"],
    ];
  for (const [datapoints, previous, expected] of cases) {
    assert.equal(
      evaluateAlarm(high, datapoints, previous),
      expected,
      `${JSON.stringify(datapoints)} from ${previous}`,
    );
  }
});

test("the low alarm needs fifteen datapoints in a row below 90 % of the target", () => {
  const low = targetTrackingAlarms({ targetValue: 20 }).low;
  const fourteen = Array.from({ length: 14 }, () => 10);
  assert.equal(evaluateAlarm(low, [25, ...fourteen], "OK"), "OK");
  assert.equal(evaluateAlarm(low, [...fourteen, 10], "OK"), "ALARM");
  assert.equal(evaluateAlarm(low, [...fourteen, 18.5], "OK"), "OK", "18.5 is not below 18");
});
