/**
 * CloudWatch alarm evaluation, as a pure function of the newest datapoints: "M of N"
 * (`DatapointsToAlarm` of `EvaluationPeriods`) with missing data treated as `missing`, which
 * is how Application Auto Scaling creates its target-tracking alarms (§1.3 of the reference).
 */
import type { ComparisonOperator } from "../../model/types.js";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmRule {
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export function breaches(
  rule: Pick<AlarmRule, "threshold" | "comparison">,
  value: number,
): boolean {
  switch (rule.comparison) {
    case "GreaterThanThreshold":
      return value > rule.threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= rule.threshold;
    case "LessThanThreshold":
      return value < rule.threshold;
    case "LessThanOrEqualToThreshold":
      return value <= rule.threshold;
  }
}

/**
 * The alarm's state after looking at the last `evaluationPeriods` periods (oldest first,
 * `undefined` for a period with no datapoint):
 * - ALARM when at least `datapointsToAlarm` of them breach;
 * - OK when so many do not breach that ALARM is out of reach;
 * - INSUFFICIENT_DATA when every period is missing (a service with no running task);
 * - otherwise, too few datapoints to decide: the previous state stays.
 */
export function evaluateAlarm(
  rule: AlarmRule,
  periods: readonly (number | undefined)[],
  previous: AlarmState,
): AlarmState {
  const window = periods.slice(-rule.evaluationPeriods);
  const present = window.filter((v): v is number => v !== undefined);
  if (present.length === 0) return "INSUFFICIENT_DATA";
  const breaching = present.filter((v) => breaches(rule, v)).length;
  if (breaching >= rule.datapointsToAlarm) return "ALARM";
  const couldStillBreach = breaching + (rule.evaluationPeriods - present.length);
  if (couldStillBreach < rule.datapointsToAlarm) return "OK";
  return previous === "INSUFFICIENT_DATA" ? "OK" : previous;
}
