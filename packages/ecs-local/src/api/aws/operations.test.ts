/**
 * The operations against a real control plane whose tasks are in memory: what each answers,
 * and what UpdateService and StopTask change.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import pino from "pino";
import { ControlPlane } from "../../control/control-plane.js";
import { inMemoryTasks } from "../../control/testing/in-memory-task.js";
import { model } from "../../control/testing/model-builders.js";
import { clock } from "../../control/time-scale.js";
import { AwsApiError } from "../../errors.js";
import type { Model } from "../../model/types.js";
import { controlPlaneSource } from "./control-plane-source.js";
import { isOperation, runOperation } from "./operations.js";
import { parseRequest, SERVICE_PROTOCOLS } from "./wire.js";

type Json = Record<string, unknown>;

const twoTier = model([
  { name: "backend-service", port: 5000, healthCheck: true },
  { name: "frontend-service", port: 3000, dependsOn: ["backend-service"] },
]);

async function setup(t: { after: (fn: () => Promise<void>) => void }, m: Model = twoTier) {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-aws-ops-"));
  let now = 1_700_000_000_000;
  const tasks = inMemoryTasks({ socketDir: dir, now: () => now });
  const plane = new ControlPlane({
    model: m,
    endpointsFile: join(dir, "endpoints.json"),
    clock: clock(10),
    logger: pino({ level: "silent" }),
    listenerPorts: new Map(),
    createTask: tasks.createTask,
    onEvent: () => {},
    tickMs: 60_000,
    now: () => now,
  });
  t.after(async () => {
    await plane.shutdown("test over");
    rmSync(dir, { recursive: true, force: true });
  });
  await plane.start();
  // Run every task as it is made, until both services are steady.
  for (let i = 0; i < 3; i++) {
    for (const task of tasks.made) if (task.status === "PENDING") task.run();
    await nextTurn();
  }
  const source = controlPlaneSource(plane, m);
  const call = (service: string, operation: string, input: Json = {}): Json => {
    const protocol = SERVICE_PROTOCOLS.find((p) => p.service === service);
    assert.ok(protocol);
    const parsed = parseRequest(
      {
        "x-amz-target": `${protocol.targetPrefix}.${operation}`,
        "content-type": "application/x-amz-json-1.1",
      },
      JSON.stringify(input),
      isOperation,
    );
    if (!parsed.ok) throw parsed.error;
    return runOperation(source, parsed.request) as Json;
  };
  const fails = (fn: () => unknown): AwsApiError => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof AwsApiError, String(error));
      return error;
    }
    assert.fail("expected an AWS error");
  };
  return { plane, tasks, source, call, fails, advance: (ms: number) => (now += ms) };
}

const cluster = "test-cluster";

describe("the ECS operations", () => {
  test("list and describe the cluster, its services and tasks; unknown ones are MISSING", async (t) => {
    const s = await setup(t);
    assert.deepEqual(s.call("ecs", "ListClusters"), {
      clusterArns: ["arn:aws:ecs:local-1:000000000000:cluster/test-cluster"],
    });
    const clusters = s.call("ecs", "DescribeClusters", { clusters: [cluster, "nope"] });
    assert.equal((clusters.clusters as Json[])[0]?.runningTasksCount, 2);
    assert.deepEqual(clusters.failures, [
      { arn: "arn:aws:ecs:local-1:000000000000:cluster/nope", reason: "MISSING" },
    ]);
    const services = s.call("ecs", "ListServices", { cluster });
    assert.equal((services.serviceArns as string[]).length, 2);
    const described = s.call("ecs", "DescribeServices", {
      cluster: "arn:aws:ecs:local-1:000000000000:cluster/test-cluster",
      services: ["backend-service", "arn:aws:ecs:local-1:000000000000:service/test-cluster/nope"],
    });
    const [backend] = described.services as Json[];
    assert.deepEqual([backend?.desiredCount, backend?.runningCount], [1, 1]);
    assert.deepEqual(described.failures, [
      { arn: "arn:aws:ecs:local-1:000000000000:service/test-cluster/nope", reason: "MISSING" },
    ]);
    const listed = s.call("ecs", "ListTasks", { cluster, serviceName: "backend-service" });
    const [taskArn] = listed.taskArns as string[];
    assert.match(taskArn ?? "", /:task\/test-cluster\/[0-9a-f]{32}$/);
    const tasks = s.call("ecs", "DescribeTasks", { cluster, tasks: [taskArn, "0".repeat(32)] });
    assert.equal((tasks.tasks as Json[])[0]?.lastStatus, "RUNNING");
    assert.equal((tasks.failures as Json[])[0]?.reason, "MISSING");
    const definition = s.call("ecs", "DescribeTaskDefinition", {
      taskDefinition: "backend-service:1",
    });
    assert.equal((definition.taskDefinition as Json).family, "backend-service");
  });

  test("a rebuilt image is a new task definition revision, the one the service and its new tasks run", async (t) => {
    const s = await setup(t);
    const controller = s.plane.findService("backend-service");
    s.plane.deploy("backend-service", controller.taskDefinition);
    const latest = s.call("ecs", "DescribeTaskDefinition", { taskDefinition: "backend-service" });
    assert.equal((latest.taskDefinition as Json).revision, 2);
    assert.match(String((latest.taskDefinition as Json).taskDefinitionArn), /\/backend-service:2$/);
    const first = s.call("ecs", "DescribeTaskDefinition", { taskDefinition: "backend-service:1" });
    assert.equal((first.taskDefinition as Json).revision, 1);
    const described = s.call("ecs", "DescribeServices", { cluster, services: ["backend-service"] });
    const [service] = described.services as Json[];
    assert.match(String(service?.taskDefinition), /\/backend-service:2$/);
    const [primary, active] = (service?.deployments ?? []) as Json[];
    assert.match(String(primary?.taskDefinition), /\/backend-service:2$/);
    assert.match(String(active?.taskDefinition), /\/backend-service:1$/);
  });

  test("errors: no such cluster, service, task definition; cluster defaults to `default`", async (t) => {
    const s = await setup(t);
    const cases: [() => unknown, string][] = [
      [() => s.call("ecs", "ListServices"), "ClusterNotFoundException"],
      [
        () => s.call("ecs", "ListTasks", { cluster, serviceName: "nope" }),
        "ServiceNotFoundException",
      ],
      [() => s.call("ecs", "DescribeServices", { cluster }), "InvalidParameterException"],
      [() => s.call("ecs", "DescribeTasks", { cluster, tasks: "x" }), "SerializationException"],
      [
        () => s.call("ecs", "DescribeTaskDefinition", { taskDefinition: "backend-service:2" }),
        "ClientException",
      ],
      [
        () => s.call("ecs", "UpdateService", { cluster, service: "nope", desiredCount: 1 }),
        "ServiceNotFoundException",
      ],
      [
        () =>
          s.call("ecs", "UpdateService", { cluster, service: "backend-service", desiredCount: -1 }),
        "InvalidParameterException",
      ],
      [
        () =>
          s.call("ecs", "UpdateService", {
            cluster,
            service: "backend-service",
            taskDefinition: "other:3",
          }),
        "InvalidParameterException",
      ],
      [
        () =>
          s.call("ecs", "UpdateService", {
            cluster,
            service: "backend-service",
            healthCheckGracePeriodSeconds: 5,
          }),
        "InvalidParameterException",
      ],
      [
        () => s.call("ecs", "StopTask", { cluster, task: "0".repeat(32) }),
        "InvalidParameterException",
      ],
      [() => s.call("ecs", "ListTasks", { cluster, maxResults: 101 }), "InvalidParameterException"],
      [
        () => s.call("ecs", "ListTasks", { cluster, nextToken: "bogus" }),
        "InvalidParameterException",
      ],
    ];
    for (const [call, code] of cases) assert.equal(s.fails(call).awsCode, code, String(call));
  });

  test("ListServices pages by 10 by default; ListTasks filters by desired status", async (t) => {
    const many = model(Array.from({ length: 12 }, (_, i) => ({ name: `svc-${i}` })));
    const s = await setup(t, many);
    const first = s.call("ecs", "ListServices", { cluster });
    assert.equal((first.serviceArns as string[]).length, 10);
    const second = s.call("ecs", "ListServices", { cluster, nextToken: first.nextToken });
    assert.equal((second.serviceArns as string[]).length, 2);
    assert.equal(second.nextToken, undefined);
    assert.deepEqual(s.call("ecs", "ListTasks", { cluster, desiredStatus: "PENDING" }), {
      taskArns: [],
    });
    assert.deepEqual(s.call("ecs", "ListTasks", { cluster, desiredStatus: "STOPPED" }), {
      taskArns: [],
    });
  });

  test("UpdateService sets the desired count as `ecs-local scale` does", async (t) => {
    const s = await setup(t);
    const answer = s.call("ecs", "UpdateService", {
      cluster,
      service: "backend-service",
      desiredCount: 3,
    });
    assert.equal((answer.service as Json).desiredCount, 3);
    assert.equal(s.plane.controllers[0]?.desiredCount, 3);
    assert.equal(s.tasks.made.filter((x) => x.service === "backend-service").length, 3);
  });

  test("forceNewDeployment starts a PRIMARY deployment that replaces the tasks", async (t) => {
    const s = await setup(t);
    const before = s.call("ecs", "DescribeServices", { cluster, services: ["backend-service"] });
    const [old] = ((before.services as Json[])[0]?.deployments ?? []) as Json[];
    const answer = s.call("ecs", "UpdateService", {
      cluster,
      service: "backend-service",
      forceNewDeployment: true,
    });
    const deployments = (answer.service as Json).deployments as Json[];
    assert.deepEqual(
      deployments.map((d) => [d.status, d.rolloutState]),
      [
        ["PRIMARY", "IN_PROGRESS"],
        ["ACTIVE", old?.rolloutState],
      ],
    );
    assert.equal(deployments[1]?.id, old?.id);
    assert.match(String(deployments[0]?.id), /^ecs-svc\/\d{19}$/);
    const [started, inProgress] = (answer.service as Json).events as Json[];
    assert.match(String(inProgress?.message), /deployment in progress\.$/);
    assert.match(String(started?.message), /has started 1 tasks/, "the first new task at once");
  });

  test("UpdateService taskDefinition rolls the service to a revision of its family", async (t) => {
    const s = await setup(t);
    const [definition] = twoTier.taskDefinitions;
    assert.ok(definition);
    // A second revision, as a rebuilt image under `up --watch` registers one.
    s.plane.deploy("backend-service", { ...definition });
    const primary = (answer: Json) =>
      ((answer.service as Json).deployments as Json[])[0]?.taskDefinition;
    const arn = (revision: number) =>
      `arn:aws:ecs:local-1:000000000000:task-definition/${definition.family}:${revision}`;
    const update = (taskDefinition: string) =>
      s.call("ecs", "UpdateService", { cluster, service: "backend-service", taskDefinition });

    const back = update(`${definition.family}:1`);
    assert.equal(primary(back), arn(1), "an older revision");
    assert.equal(((back.service as Json).deployments as Json[]).length, 3);
    assert.equal(primary(update(definition.family)), arn(2), "no revision: the latest");
    const same = update(arn(2));
    assert.equal(primary(same), arn(2));
    assert.equal(
      ((same.service as Json).deployments as Json[]).length,
      4,
      "the running revision again starts no deployment",
    );
    const missing = s.fails(() => update(`${definition.family}:3`));
    assert.equal(missing.awsCode, "ClientException");
    assert.match(missing.message, new RegExp(`${definition.family}:1\\.\\.2`));
  });

  test("StopTask stops the task as the user did; the scheduler starts a replacement", async (t) => {
    const s = await setup(t);
    const [arn] = s.call("ecs", "ListTasks", { cluster, serviceName: "backend-service" })
      .taskArns as string[];
    const answer = s.call("ecs", "StopTask", { cluster, task: arn, reason: "testing" });
    const task = answer.task as Json;
    assert.deepEqual(
      [task.desiredStatus, task.stopCode, task.stoppedReason],
      ["STOPPED", "UserInitiated", "testing"],
    );
    s.plane.scale("backend-service", 1); // a tick, as the timer would
    const running = s.call("ecs", "ListTasks", { cluster, serviceName: "backend-service" })
      .taskArns as string[];
    assert.equal(running.length, 1);
    assert.notEqual(running[0], arn);
    const stopped = s.call("ecs", "ListTasks", {
      cluster,
      serviceName: "backend-service",
      desiredStatus: "STOPPED",
    });
    assert.deepEqual(stopped.taskArns, [arn]);
  });
});

describe("the Cloud Map operations", () => {
  test("namespaces, services, instances; DiscoverInstances and health", async (t) => {
    const s = await setup(t);
    const [namespace] = s.call("servicediscovery", "ListNamespaces").Namespaces as Json[];
    assert.deepEqual([namespace?.Name, namespace?.ServiceCount], ["local", 2]);
    const filtered = s.call("servicediscovery", "ListServices", {
      Filters: [{ Name: "NAMESPACE_ID", Values: [namespace?.Id], Condition: "EQ" }],
    });
    const backend = (filtered.Services as Json[]).find((x) => x.Name === "backend-service");
    assert.equal(backend?.InstanceCount, 1);
    const [instance] = s.call("servicediscovery", "ListInstances", { ServiceId: backend?.Id })
      .Instances as Json[];
    assert.match(String(instance?.Id), /^[0-9a-f]{32}$/);
    assert.equal((instance?.Attributes as Json | undefined)?.ECS_SERVICE_NAME, "backend-service");
    const got = s.call("servicediscovery", "GetInstance", {
      ServiceId: backend?.Id,
      InstanceId: instance?.Id,
    });
    assert.deepEqual((got.Instance as Json).Id, instance?.Id);
    const found = s.call("servicediscovery", "DiscoverInstances", {
      NamespaceName: "local",
      ServiceName: "backend-service",
    });
    assert.equal((found.Instances as Json[]).length, 1);
    assert.equal(typeof found.InstancesRevision, "number");
    const health = s.call("servicediscovery", "GetInstancesHealthStatus", {
      ServiceId: backend?.Id,
    });
    assert.deepEqual(health.Status, { [String(instance?.Id)]: "HEALTHY" });
    const cases: [() => unknown, string][] = [
      [() => s.call("servicediscovery", "ListInstances", {}), "InvalidInput"],
      [
        () => s.call("servicediscovery", "ListInstances", { ServiceId: "srv-nope" }),
        "ServiceNotFound",
      ],
      [
        () =>
          s.call("servicediscovery", "GetInstance", { ServiceId: backend?.Id, InstanceId: "x" }),
        "InstanceNotFound",
      ],
      [
        () =>
          s.call("servicediscovery", "DiscoverInstances", {
            NamespaceName: "nope",
            ServiceName: "x",
          }),
        "NamespaceNotFound",
      ],
      [
        () =>
          s.call("servicediscovery", "DiscoverInstances", {
            NamespaceName: "local",
            ServiceName: "x",
          }),
        "ServiceNotFound",
      ],
      [
        () =>
          s.call("servicediscovery", "ListNamespaces", {
            Filters: [{ Name: "COLOR", Values: ["x"] }],
          }),
        "InvalidInput",
      ],
    ];
    for (const [call, code] of cases) assert.equal(s.fails(call).awsCode, code, String(call));
  });
});

describe("the Application Auto Scaling and CloudWatch operations", () => {
  const scaled: Model = {
    ...twoTier,
    scaling: [
      {
        origin: { logicalId: "Target", constructPath: "Stack/Target" },
        serviceId: "backend-service",
        resourceId: "service/test-cluster/backend-service",
        minCapacity: 1,
        maxCapacity: 3,
        scheduledActions: [],
        suspended: { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false },
        policies: [
          {
            kind: "TargetTracking",
            origin: { logicalId: "Memory", constructPath: "Stack/Memory" },
            name: "memory",
            metric: "ECSServiceAverageMemoryUtilization",
            targetValue: 20,
            scaleInCooldownMs: 60_000,
            scaleOutCooldownMs: 60_000,
            disableScaleIn: false,
          },
        ],
      },
    ],
  };

  test("targets, policies with their alarms, activities newest first", async (t) => {
    const s = await setup(t, scaled);
    const targets = s.call("application-autoscaling", "DescribeScalableTargets", {
      ServiceNamespace: "ecs",
    });
    assert.deepEqual(
      (targets.ScalableTargets as Json[]).map((x) => x.ResourceId),
      ["service/test-cluster/backend-service"],
    );
    assert.deepEqual(
      s.call("application-autoscaling", "DescribeScalableTargets", {
        ServiceNamespace: "dynamodb",
      }),
      {
        ScalableTargets: [],
      },
    );
    const [policy] = s.call("application-autoscaling", "DescribeScalingPolicies", {
      ServiceNamespace: "ecs",
    }).ScalingPolicies as Json[];
    assert.equal((policy?.Alarms as Json[] | undefined)?.length, 2);
    // Memory far above the target for long enough: a scale-out, then (at max) not-scaled activities.
    const task = s.tasks.made.find((x) => x.service === "backend-service");
    assert.ok(task);
    task.used = { memoryBytes: 1024 * 1024 * 1024, cpuNanos: 0 };
    for (let i = 0; i < 40; i++) {
      s.advance(1_000);
      for (const x of s.tasks.made) if (x.status === "PENDING") x.run();
      for (const x of s.tasks.made) x.used = { memoryBytes: 1024 * 1024 * 1024, cpuNanos: 0 };
      s.plane.scaling.sample();
    }
    const scaledOnly = s.call("application-autoscaling", "DescribeScalingActivities", {
      ServiceNamespace: "ecs",
    }).ScalingActivities as Json[];
    assert.ok(scaledOnly.length >= 1);
    assert.ok(scaledOnly.every((a) => a.StatusCode === "Successful"));
    const all = s.call("application-autoscaling", "DescribeScalingActivities", {
      ServiceNamespace: "ecs",
      IncludeNotScaledActivities: true,
    }).ScalingActivities as Json[];
    assert.ok(
      all.some((a) => a.NotScaledReasons !== undefined),
      JSON.stringify(all),
    );
    const times = all.map((a) => (a.StartTime as Date).getTime());
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      "newest first",
    );
    const cases: [() => unknown, string][] = [
      [
        () => s.call("application-autoscaling", "DescribeScalingActivities", {}),
        "ValidationException",
      ],
      [
        () =>
          s.call("application-autoscaling", "DescribeScalingActivities", {
            ServiceNamespace: "nope",
          }),
        "ValidationException",
      ],
      [
        () =>
          s.call("application-autoscaling", "DescribeScalingActivities", {
            ServiceNamespace: "ecs",
            MaxResults: 51,
          }),
        "ValidationException",
      ],
      [
        () =>
          s.call("application-autoscaling", "DescribeScalingActivities", {
            ServiceNamespace: "ecs",
            NextToken: "x",
          }),
        "InvalidNextTokenException",
      ],
    ];
    for (const [call, code] of cases) assert.equal(s.fails(call).awsCode, code, String(call));

    // The same run's memory metric, through CloudWatch, with wall-clock timestamps.
    const dimensions = [
      { Name: "ClusterName", Value: "test-cluster" },
      { Name: "ServiceName", Value: "backend-service" },
    ];
    const start = s.source.startedAt / 1000;
    const end = start + 40;
    const data = s.call("cloudwatch", "GetMetricData", {
      StartTime: start,
      EndTime: end,
      ScanBy: "TimestampAscending",
      MetricDataQueries: [
        {
          Id: "mem",
          MetricStat: {
            Metric: {
              Namespace: "AWS/ECS",
              MetricName: "MemoryUtilization",
              Dimensions: dimensions,
            },
            Period: 60,
            Stat: "Maximum",
          },
        },
        {
          Id: "other",
          MetricStat: {
            Metric: { Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Dimensions: [] },
            Period: 60,
            Stat: "Average",
          },
        },
      ],
    });
    const [mem, other] = data.MetricDataResults as Json[];
    // 40 real seconds at scale 10: six complete AWS minutes, each 6 real seconds apart.
    assert.equal((mem?.Timestamps as Date[] | undefined)?.length, 6);
    assert.equal(
      (mem?.Timestamps as Date[] | undefined)?.[1]?.getTime(),
      s.source.startedAt + 6_000,
    );
    // A GiB of the 2 GiB a task without a size reserves.
    assert.deepEqual(new Set(mem?.Values as number[]), new Set([50]));
    assert.deepEqual([other?.Timestamps, other?.StatusCode], [[], "Complete"]);
    const stats = s.call("cloudwatch", "GetMetricStatistics", {
      Namespace: "AWS/ECS",
      MetricName: "MemoryUtilization",
      Dimensions: dimensions,
      StartTime: start,
      EndTime: end,
      Period: 60,
      Statistics: ["Average", "SampleCount"],
    });
    const [point] = stats.Datapoints as Json[];
    assert.deepEqual(Object.keys(point ?? {}).sort(), [
      "Average",
      "SampleCount",
      "Timestamp",
      "Unit",
    ]);
    assert.equal(point?.Unit, "Percent");
    const paged = s.call("cloudwatch", "GetMetricData", {
      StartTime: start,
      EndTime: end,
      MaxDatapoints: 4,
      MetricDataQueries: [
        {
          Id: "mem",
          MetricStat: {
            Metric: {
              Namespace: "AWS/ECS",
              MetricName: "MemoryUtilization",
              Dimensions: dimensions,
            },
            Period: 60,
            Stat: "Average",
          },
        },
      ],
    });
    assert.equal(
      ((paged.MetricDataResults as Json[])[0]?.Values as number[] | undefined)?.length,
      4,
    );
    assert.equal((paged.MetricDataResults as Json[])[0]?.StatusCode, "PartialData");
    const rest = s.call("cloudwatch", "GetMetricData", {
      StartTime: start,
      EndTime: end,
      NextToken: paged.NextToken,
      MetricDataQueries: [
        {
          Id: "mem",
          MetricStat: {
            Metric: {
              Namespace: "AWS/ECS",
              MetricName: "MemoryUtilization",
              Dimensions: dimensions,
            },
            Period: 60,
            Stat: "Average",
          },
        },
      ],
    });
    assert.equal(
      ((rest.MetricDataResults as Json[])[0]?.Values as number[] | undefined)?.length,
      2,
    );
    const metric = {
      Namespace: "AWS/ECS",
      MetricName: "MemoryUtilization",
      Dimensions: dimensions,
    };
    const errors: [Json, string][] = [
      [{ StartTime: end, EndTime: start, MetricDataQueries: [] }, "InvalidParameterValueException"],
      [{ StartTime: start, MetricDataQueries: [] }, "MissingRequiredParameterException"],
      [
        {
          StartTime: start,
          EndTime: end,
          MetricDataQueries: [
            { Id: "m", MetricStat: { Metric: metric, Period: 45, Stat: "Average" } },
          ],
        },
        "InvalidParameterValueException",
      ],
      [
        {
          StartTime: start,
          EndTime: end,
          MetricDataQueries: [{ Id: "m", MetricStat: { Metric: metric, Period: 60, Stat: "p99" } }],
        },
        "InvalidParameterValueException",
      ],
      [
        {
          StartTime: start,
          EndTime: end,
          MetricDataQueries: [{ Id: "M", MetricStat: { Metric: metric, Period: 60, Stat: "Sum" } }],
        },
        "InvalidParameterValueException",
      ],
      [
        {
          StartTime: start,
          EndTime: end,
          MetricDataQueries: [{ Id: "m", Expression: "SUM(METRICS())" }],
        },
        "InvalidParameterValueException",
      ],
    ];
    for (const [input, code] of errors) {
      assert.equal(
        s.fails(() => s.call("cloudwatch", "GetMetricData", input)).awsCode,
        code,
        JSON.stringify(input),
      );
    }
    assert.equal(
      s.fails(() =>
        s.call("cloudwatch", "GetMetricStatistics", {
          ...metric,
          StartTime: start,
          EndTime: end,
          Period: 60,
        }),
      ).awsCode,
      "InvalidParameterCombinationException",
    );
  });
});
