import assert from "node:assert/strict";
import { test } from "node:test";
import type { Deployment } from "../../control/deployment/deployment-types.js";
import { model, targetGroup } from "../../control/testing/model-builders.js";
import type { ServiceState, TaskState } from "./aws-source.js";
import {
  clusterShape,
  type EcsContext,
  serviceShape,
  taskDefinitionShape,
  taskShape,
} from "./ecs-shapes.js";

const m = model([{ name: "api", port: 5000, healthCheck: true, targetGroup: "Web" }], {
  targetGroups: [targetGroup("Web", 80)],
});
const ctx: EcsContext = { model: m, startedAt: 1_700_000_000_000 };
const [apiService] = m.services;
const [apiDefinition] = m.taskDefinitions;
assert.ok(apiService && apiDefinition);

const DEPLOYMENT_ID = "ecs-svc/1234567890123456789";

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: DEPLOYMENT_ID,
    status: "PRIMARY",
    taskDefinitionRevision: 1,
    taskDefinitionKey: "1",
    desiredCount: 1,
    rolloutState: "COMPLETED",
    rolloutStateReason: `ECS deployment ${DEPLOYMENT_ID} completed.`,
    failedTasks: 0,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

function task(overrides: Partial<TaskState>): TaskState {
  return {
    id: "a".repeat(32),
    deploymentId: DEPLOYMENT_ID,
    taskDefinitionRevision: 1,
    status: "RUNNING",
    desiredStatus: "RUNNING",
    health: "HEALTHY",
    createdAt: 1_700_000_001_000,
    startedAt: 1_700_000_002_000,
    failed: false,
    exitCodes: {},
    stoppedByUser: false,
    ...overrides,
  };
}

function state(tasks: TaskState[], overrides: Partial<ServiceState> = {}): ServiceState {
  return {
    service: apiService as ServiceState["service"],
    taskDefinition: apiDefinition as ServiceState["taskDefinition"],
    desiredCount: 1,
    tasks,
    events: [],
    deployments: [deployment()],
    ...overrides,
  };
}

test("a task: ECS's lastStatus, version, stopCode and reason by how it stopped", () => {
  const cases: [Partial<TaskState>, Record<string, unknown>][] = [
    [
      { status: "PROVISIONING", startedAt: undefined },
      { lastStatus: "PROVISIONING", version: 1 },
    ],
    [{}, { lastStatus: "RUNNING", desiredStatus: "RUNNING", version: 3 }],
    [
      {
        status: "DEACTIVATING",
        desiredStatus: "STOPPED",
        stoppedReason: "Scaling activity initiated by (deployment ecs-svc/1)",
      },
      { lastStatus: "DEACTIVATING", stopCode: "ServiceSchedulerInitiated", version: 4 },
    ],
    [
      {
        status: "STOPPED",
        desiredStatus: "STOPPED",
        stoppedByUser: true,
        stoppedReason: "Task stopped by user",
      },
      {
        lastStatus: "STOPPED",
        stopCode: "UserInitiated",
        stoppedReason: "Task stopped by user",
        version: 6,
      },
    ],
    [
      {
        status: "STOPPED",
        desiredStatus: "STOPPED",
        failed: true,
        exitCodes: { app: 1 },
        stoppedReason: "Essential container in task exited",
      },
      { stopCode: "EssentialContainerExited" },
    ],
    [
      { status: "STOPPED", desiredStatus: "STOPPED", failed: true, startedAt: undefined },
      { stopCode: "TaskFailedToStart" },
    ],
  ];
  for (const [overrides, expected] of cases) {
    const shape = taskShape(ctx, state([]), task(overrides));
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(shape[key], value, `${key} of ${JSON.stringify(overrides)}`);
    }
    if (!("stopCode" in expected)) assert.equal(shape.stopCode, undefined);
  }
});

test("a task's identity, times and container, as DescribeTasks shows them", () => {
  const shape = taskShape(ctx, state([]), task({ exitCodes: {} }));
  const arn = `arn:aws:ecs:local-1:000000000000:task/test-cluster/${"a".repeat(32)}`;
  assert.equal(shape.taskArn, arn);
  assert.equal(shape.clusterArn, "arn:aws:ecs:local-1:000000000000:cluster/test-cluster");
  assert.equal(shape.taskDefinitionArn, "arn:aws:ecs:local-1:000000000000:task-definition/api:1");
  assert.equal(shape.group, "service:api");
  assert.match(String(shape.startedBy), /^ecs-svc\/\d{19}$/);
  assert.deepEqual(shape.createdAt, new Date(1_700_000_001_000));
  assert.deepEqual(shape.startedAt, new Date(1_700_000_002_000));
  assert.equal(shape.availabilityZone, "local-1a");
  const [container] = shape.containers as Record<string, unknown>[];
  assert.equal(container?.containerArn, `${arn}/app`);
  assert.equal(container?.lastStatus, "RUNNING");
  assert.equal(container?.healthStatus, "HEALTHY");
  const exited = taskShape(
    ctx,
    state([]),
    task({ status: "STOPPED", desiredStatus: "STOPPED", exitCodes: { app: 137 } }),
  );
  const [stopped] = exited.containers as Record<string, unknown>[];
  assert.deepEqual([stopped?.lastStatus, stopped?.exitCode], ["STOPPED", 137]);
});

test("a service: counts of RUNNING and pending tasks, one deployment, events newest first", () => {
  const shape = serviceShape(
    ctx,
    state(
      [
        task({ id: "1" }),
        task({ id: "2", status: "PENDING", startedAt: undefined }),
        task({ id: "3", status: "DEACTIVATING", desiredStatus: "STOPPED" }),
        task({ id: "4", status: "STOPPED", desiredStatus: "STOPPED", failed: true }),
      ],
      {
        desiredCount: 2,
        deployments: [deployment({ rolloutState: "IN_PROGRESS", failedTasks: 1 })],
        events: [
          { at: 1_700_000_003_000, message: "(service api) has started 1 tasks: (task 1)." },
          { at: 1_700_000_004_000, message: "(service api) has reached a steady state." },
        ],
      },
    ),
  );
  assert.equal(shape.serviceArn, "arn:aws:ecs:local-1:000000000000:service/test-cluster/api");
  assert.deepEqual([shape.desiredCount, shape.runningCount, shape.pendingCount], [2, 1, 1]);
  assert.equal(shape.status, "ACTIVE");
  const deployments = shape.deployments as Record<string, unknown>[];
  assert.equal(deployments.length, 1, "the services-stable waiter wants exactly one");
  assert.equal(deployments[0]?.status, "PRIMARY");
  assert.equal(deployments[0]?.rolloutState, "IN_PROGRESS");
  assert.equal(deployments[0]?.failedTasks, 1);
  const events = shape.events as { id: string; message: string; createdAt: Date }[];
  assert.deepEqual(
    events.map((e) => e.message),
    ["(service api) has reached a steady state.", "(service api) has started 1 tasks: (task 1)."],
  );
  assert.match(events[0]?.id ?? "", /^[0-9a-f-]{36}$/);
  assert.deepEqual(serviceShape(ctx, state([])).events, []);
  const [lb] = shape.loadBalancers as Record<string, unknown>[];
  assert.match(
    String(lb?.targetGroupArn),
    /^arn:aws:elasticloadbalancing:local-1:000000000000:targetgroup\/Web\/[0-9a-f]{16}$/,
  );
  const done = serviceShape(ctx, state([task({})])).deployments as Record<string, unknown>[];
  assert.equal(done[0]?.rolloutState, "COMPLETED");
  const connect = done[0]?.serviceConnectResources as Record<string, unknown>[];
  assert.match(String(connect[0]?.discoveryArn), /:service\/srv-[a-z2-7]{16}$/);
});

test("a cluster counts its services and their running and pending tasks", () => {
  const cluster = m.clusters[0];
  assert.ok(cluster);
  const shape = clusterShape(ctx, cluster, [
    state([
      task({ id: "1" }),
      task({ id: "2", status: "PROVISIONING" }),
      task({ id: "3", status: "STOPPED" }),
    ]),
  ]);
  assert.deepEqual(
    [
      shape.clusterName,
      shape.status,
      shape.activeServicesCount,
      shape.runningTasksCount,
      shape.pendingTasksCount,
    ],
    ["test-cluster", "ACTIVE", 1, 1, 1],
  );
});

test("a task definition is revision 1, its durations in seconds, secrets without values", () => {
  const shape = taskDefinitionShape(ctx, { ...apiDefinition, cpu: 256, memoryMiB: 512 });
  assert.equal(shape.taskDefinitionArn, "arn:aws:ecs:local-1:000000000000:task-definition/api:1");
  assert.deepEqual(
    [shape.revision, shape.cpu, shape.memory, shape.networkMode],
    [1, "256", "512", "awsvpc"],
  );
  const [container] = shape.containerDefinitions as Record<string, unknown>[];
  assert.deepEqual(container?.healthCheck, {
    command: ["CMD-SHELL", "true"],
    interval: 30,
    timeout: 5,
    retries: 3,
    startPeriod: 0,
  });
  assert.deepEqual(container?.portMappings, [
    { containerPort: 5000, hostPort: 5000, protocol: "tcp", name: "api", appProtocol: "http" },
  ]);
});
