import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunStatus } from "../../api/control-plane-view.js";
import { formatStatus } from "./ps.js";

test("ps shows each service, its tasks, their health, addresses and why they stopped", () => {
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
            lastStatus: "RUNNING",
            desiredStatus: "RUNNING",
            health: "HEALTHY",
            exitCodes: {},
            sockets: { backend: "/run/tasks/aaaa/backend.sock" },
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
      "  Cloud Map: backend-container 1 instance(s)",
      "  scaling: 1..5 tasks",
      "    TargetTracking ECSServiceAverageMemoryUtilization: 23.4 (target 20); AlarmHigh ALARM, AlarmLow OK",
      "  aaaaaaaaaaaa  RUNNING      HEALTHY",
      "      backend → /run/tasks/aaaa/backend.sock",
      "  bbbbbbbbbbbb  STOPPED      UNKNOWN  stopped: Essential container in task exited (backend: exit code 1)  exit backend=1",
      "",
    ].join("\n"),
  );
});
