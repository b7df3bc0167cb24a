import assert from "node:assert/strict";
import { test } from "node:test";
import {
  deploymentCompletedEvent,
  deploymentConfigurationBlocksEvent,
  deploymentFailedEvent,
  deploymentInProgressEvent,
  deploymentStopReason,
  rollingBackEvent,
  steadyStateEvent,
} from "./deployment-events.js";

const id = "ecs-svc/3763308422771520962";

test("service events in the ECS scheduler's words", () => {
  const table: [message: string, expected: string][] = [
    [
      deploymentInProgressEvent("web", id),
      "(service web) (deployment ecs-svc/3763308422771520962) deployment in progress.",
    ],
    [
      deploymentCompletedEvent("web", id),
      "(service web) (deployment ecs-svc/3763308422771520962) deployment completed.",
    ],
    [
      deploymentFailedEvent("web", id),
      "(service web) (deployment ecs-svc/3763308422771520962) deployment failed: tasks failed to start.",
    ],
    [
      rollingBackEvent("web", id),
      "(service web) rolling back to deployment ecs-svc/3763308422771520962.",
    ],
    [steadyStateEvent("web"), "(service web) has reached a steady state."],
    [
      deploymentConfigurationBlocksEvent("web"),
      "(service web) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.",
    ],
  ];
  for (const [message, expected] of table) assert.equal(message, expected);
});

test("a task stopped for a deployment names that deployment in its stoppedReason", () => {
  assert.equal(
    deploymentStopReason(id),
    "Scaling activity initiated by (deployment ecs-svc/3763308422771520962)",
  );
});
