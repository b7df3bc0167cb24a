import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunStatus } from "../../api/control-plane-view.js";
import { formatStatus } from "./ps.js";

test("ps shows each service, its deployments, its tasks, their health, addresses and why they stopped", () => {
  const status: RunStatus = {
    stackName: "Demo",
    timeScale: 10,
    resources: "cgroup v1 (limits enforced)",
    notEmulated: [],
    listeners: [{ port: 8080, url: "http://127.0.0.1:8080/" }],
    services: [
      {
        name: "backend-service",
        desiredCount: 1,
        runningCount: 1,
        healthyCount: 1,
        aliases: ["backend-container.local:5000"],
        events: [],
        deployments: [
          {
            id: "ecs-svc/2000000000000000002",
            status: "PRIMARY",
            taskDefinitionRevision: 2,
            rolloutState: "IN_PROGRESS",
            rolloutStateReason: "ECS deployment ecs-svc/2000000000000000002 in progress.",
            desiredCount: 1,
            runningCount: 0,
            failedTasks: 1,
            createdAt: "2026-11-27T20:00:00.000Z",
            updatedAt: "2026-11-27T20:00:00.000Z",
          },
          {
            id: "ecs-svc/1000000000000000001",
            status: "ACTIVE",
            taskDefinitionRevision: 1,
            rolloutState: "COMPLETED",
            rolloutStateReason: "ECS deployment ecs-svc/1000000000000000001 completed.",
            desiredCount: 0,
            runningCount: 1,
            failedTasks: 0,
            createdAt: "2026-11-27T19:00:00.000Z",
            updatedAt: "2026-11-27T20:00:00.000Z",
          },
        ],
        cloudMap: [{ discoveryName: "backend-container", instances: 1 }],
        scaling: {
          minCapacity: 1,
          maxCapacity: 5,
          policies: [
            {
              policy: "memory",
              kind: "TargetTracking",
              metric: "ECSServiceAverageMemoryUtilization",
              target: 20,
              value: 23.44,
              alarms: [
                { name: "TargetTracking-service/c/backend-service-AlarmHigh-0a1b", state: "ALARM" },
                { name: "TargetTracking-service/c/backend-service-AlarmLow-2c3d", state: "OK" },
              ],
            },
          ],
        },
        tasks: [
          {
            id: "aaaaaaaaaaaaaaaa",
            deploymentId: "ecs-svc/1000000000000000001",
            lastStatus: "RUNNING",
            desiredStatus: "RUNNING",
            health: "HEALTHY",
            exitCodes: {},
            sockets: { backend: "/run/tasks/aaaa/backend.sock" },
            address: "10.0.1.1",
          },
          {
            id: "bbbbbbbbbbbbbbbb",
            lastStatus: "STOPPED",
            desiredStatus: "STOPPED",
            health: "UNKNOWN",
            stoppedReason: "Essential container in task exited (backend: exit code 1)",
            exitCodes: { backend: 1 },
            sockets: { backend: "/run/tasks/bbbb/backend.sock" },
          },
        ],
      },
    ],
  };
  assert.equal(
    formatStatus(status, "http://127.0.0.1:4566"),
    [
      "stack Demo (time scale 10)",
      "resources: cgroup v1 (limits enforced)",
      "load balancer  http://127.0.0.1:8080/",
      "AWS APIs       http://127.0.0.1:4566  (AWS_ENDPOINT_URL)",
      "",
      "backend-service  desired 1  running 1  healthy 1  aliases backend-container.local:5000",
      "  deployment ecs-svc/2000000000000000002  PRIMARY  revision 2  IN_PROGRESS  running 0 of 1  failed tasks 1",
      "  deployment ecs-svc/1000000000000000001  ACTIVE   revision 1  COMPLETED    running 1",
      "  Cloud Map: backend-container 1 instance(s)",
      "  scaling: 1..5 tasks",
      "    TargetTracking ECSServiceAverageMemoryUtilization: 23.4 (target 20); AlarmHigh ALARM, AlarmLow OK",
      "  aaaaaaaaaaaa  RUNNING      HEALTHY  revision 1  10.0.1.1",
      "      backend → /run/tasks/aaaa/backend.sock",
      "  bbbbbbbbbbbb  STOPPED      UNKNOWN  stopped: Essential container in task exited (backend: exit code 1)  exit backend=1",
      "",
    ].join("\n"),
  );
});
