import assert from "node:assert/strict";
import { test } from "node:test";
import type { StepAdjustment } from "../../model/types.js";
import { adjustedCapacity, matchingStep } from "./step-scaling.js";

// CDK's scaleOnMetric with steps { upper: 10, -1 }, { lower: 50, +1 }, { lower: 80, +3 }:
// the upper policy's alarm is at 50, its steps relative to that.
const upper: StepAdjustment[] = [
  { lower: 0, upper: 30, adjustment: 1 },
  { lower: 30, adjustment: 3 },
];
const lower: StepAdjustment[] = [{ upper: 0, adjustment: -1 }];

test("above the threshold: lower bound inclusive, upper exclusive", () => {
  assert.equal(matchingStep(upper, 0)?.adjustment, 1);
  assert.equal(matchingStep(upper, 29.9)?.adjustment, 1);
  assert.equal(matchingStep(upper, 30)?.adjustment, 3);
  assert.equal(matchingStep(upper, 500)?.adjustment, 3);
});

test("below the threshold: lower bound exclusive, upper inclusive", () => {
  assert.equal(matchingStep(lower, 0)?.adjustment, -1);
  assert.equal(matchingStep(lower, -5)?.adjustment, -1);
  assert.equal(matchingStep([{ lower: -10, upper: 0, adjustment: -1 }], -10), undefined);
});

test("adjustments: a change, a percent (rounded toward zero, at least one), an exact count", () => {
  const change = { adjustmentType: "ChangeInCapacity" } as const;
  const percent = { adjustmentType: "PercentChangeInCapacity" } as const;
  const exact = { adjustmentType: "ExactCapacity" } as const;
  assert.equal(adjustedCapacity(change, 3, 2), 5);
  assert.equal(adjustedCapacity(change, 3, -1), 2);
  assert.equal(adjustedCapacity(percent, 4, 50), 6);
  assert.equal(adjustedCapacity(percent, 3, 50), 4, "1.5 rounds toward zero to 1");
  assert.equal(adjustedCapacity(percent, 2, 10), 3, "0.2 becomes 1");
  assert.equal(adjustedCapacity(percent, 5, -10), 4, "-0.5 becomes -1");
  assert.equal(
    adjustedCapacity({ ...percent, minAdjustmentMagnitude: 2 }, 4, 25),
    6,
    "at least the minimum magnitude",
  );
  assert.equal(adjustedCapacity(exact, 4, 2), 2);
});
