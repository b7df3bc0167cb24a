/**
 * The AWS APIs of a run of app/infra, called as users call them: the AWS SDK for JavaScript
 * v3 clients from npm and Debian's AWS CLI v2 (/usr/bin/aws, 2.9, which speaks CloudWatch's
 * Query protocol where the SDK speaks JSON 1.0). The memory target is raised to 90 % so
 * nothing scales out on its own, and at `--time-scale 30` the 15-minute low alarm fires after
 * 30 s: a service above its minimum is scaled in, one at it is "not scaled", and both are
 * activities to describe.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
  waitUntilTasksRunning,
} from "@aws-sdk/client-ecs";
import {
  DiscoverInstancesCommand,
  ListServicesCommand as ListCloudMapServicesCommand,
  ListInstancesCommand,
  ListNamespacesCommand,
  ServiceDiscoveryClient,
} from "@aws-sdk/client-servicediscovery";
import { downAndVerify, freePort, get, REPO_ROOT, waitUntil } from "./support/ecs-local-run.js";
import { startRun } from "./support/with-run.js";

const CLUSTER = "ecs-web-app-cluster";
const AWS_CLI = "/usr/bin/aws";

/** The AWS CLI v2 against the run, isolated from any profile on the machine. */
async function aws(
  endpoint: string,
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = mkdtempSync(join(tmpdir(), "ecs-local-aws-cli-"));
  try {
    const { stdout, stderr } = await promisify(execFile)(
      AWS_CLI,
      ["--endpoint-url", endpoint, "--output", "json", ...args],
      {
        timeout: 120_000,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: home,
          AWS_CONFIG_FILE: join(home, "config"),
          AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
          AWS_ACCESS_KEY_ID: "ecs-local",
          AWS_SECRET_ACCESS_KEY: "ecs-local",
          AWS_REGION: "local-1",
          AWS_PAGER: "",
          AWS_EC2_METADATA_DISABLED: "true",
          ...extraEnv,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === "number" ? e.code : 1,
      stdout: e.stdout ?? "",
      stderr: e.stderr ?? "",
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function awsJson<T>(endpoint: string, args: readonly string[], extraEnv = {}): Promise<T> {
  const result = await aws(endpoint, args, extraEnv);
  assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

test("the AWS SDK v3 and the AWS CLI v2 read and drive a run through its AWS APIs", {
  timeout: 600_000,
}, async (t) => {
  const port = await freePort();
  const { up, stateDir } = startRun(t, "ecs-local-aws-api-", [
    "--app",
    join(REPO_ROOT, "app/infra"),
    "-c",
    "memoryTarget=90",
    "--time-scale",
    "30",
    "--listener-port",
    `80=${port}`,
  ]);
  await up.waitFor(/all services healthy/, 480_000);
  const state = JSON.parse(readFileSync(join(stateDir, "run", "state.json"), "utf8"));
  const endpoint: string = state.awsEndpoint;
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(
    up.output.includes(`export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=local-1`),
    "up prints the environment",
  );
  const config = {
    endpoint,
    region: "local-1",
    credentials: { accessKeyId: "ecs-local", secretAccessKey: "ecs-local" },
    maxAttempts: 1,
  };
  const ecs = new ECSClient(config);
  const cloudMap = new ServiceDiscoveryClient({ ...config, disableHostPrefix: true });
  const autoScaling = new ApplicationAutoScalingClient(config);
  const cloudWatch = new CloudWatchClient(config);
  t.after(() => {
    for (const client of [ecs, cloudMap, autoScaling, cloudWatch]) client.destroy();
  });

  await t.test(
    "ECS through the SDK: clusters, services, tasks, waiters, UpdateService, StopTask",
    async () => {
      const clusters = await ecs.send(new ListClustersCommand({}));
      assert.deepEqual(clusters.clusterArns, [
        `arn:aws:ecs:local-1:000000000000:cluster/${CLUSTER}`,
      ]);
      const services = await ecs.send(new ListServicesCommand({ cluster: CLUSTER }));
      assert.equal(services.serviceArns?.length, 2);
      const described = await ecs.send(
        new DescribeServicesCommand({
          cluster: CLUSTER,
          services: ["backend-service", "no-such-service"],
        }),
      );
      const backend = described.services?.[0];
      assert.equal(backend?.serviceName, "backend-service");
      assert.equal(backend?.status, "ACTIVE");
      assert.ok(backend?.createdAt instanceof Date);
      assert.equal(described.failures?.[0]?.reason, "MISSING");
      const definition = await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: backend?.taskDefinition }),
      );
      assert.equal(definition.taskDefinition?.revision, 1);
      assert.equal(
        definition.taskDefinition?.containerDefinitions?.[0]?.portMappings?.[0]?.containerPort,
        5000,
      );

      const stable = await waitUntilServicesStable(
        { client: ecs, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
        { cluster: CLUSTER, services: ["backend-service", "frontend-service"] },
      );
      assert.equal(stable.state, "SUCCESS");

      const updated = await ecs.send(
        new UpdateServiceCommand({ cluster: CLUSTER, service: "backend-service", desiredCount: 2 }),
      );
      assert.equal(updated.service?.desiredCount, 2);
      assert.match(
        updated.service?.events?.[0]?.message ?? "",
        /^\(service backend-service\) has started 1 tasks: \(task \w+\)\.$/,
      );
      const listed = await ecs.send(
        new ListTasksCommand({ cluster: CLUSTER, serviceName: "backend-service" }),
      );
      assert.ok((listed.taskArns?.length ?? 0) >= 1);
      const running = await waitUntilTasksRunning(
        { client: ecs, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
        { cluster: CLUSTER, tasks: listed.taskArns },
      );
      assert.equal(running.state, "SUCCESS");
      const tasks = await ecs.send(
        new DescribeTasksCommand({ cluster: CLUSTER, tasks: listed.taskArns }),
      );
      for (const task of tasks.tasks ?? []) {
        assert.equal(task.lastStatus, "RUNNING");
        assert.equal(task.group, "service:backend-service");
        assert.ok(task.startedAt instanceof Date);
      }

      // The frontend's task stops as the user asked; its scheduler starts another.
      const [frontendTask] =
        (
          await ecs.send(
            new ListTasksCommand({ cluster: CLUSTER, serviceName: "frontend-service" }),
          )
        ).taskArns ?? [];
      const stopped = await ecs.send(
        new StopTaskCommand({ cluster: CLUSTER, task: frontendTask, reason: "aws-api test" }),
      );
      assert.equal(stopped.task?.desiredStatus, "STOPPED");
      assert.equal(stopped.task?.stopCode, "UserInitiated");
      const replaced = await waitUntil(
        async () => {
          const now = await ecs.send(
            new ListTasksCommand({ cluster: CLUSTER, serviceName: "frontend-service" }),
          );
          const arns = now.taskArns ?? [];
          return arns.length === 1 && arns[0] !== frontendTask ? arns : undefined;
        },
        60_000,
        "a replacement frontend task",
      );
      const again = await waitUntilTasksRunning(
        { client: ecs, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
        { cluster: CLUSTER, tasks: replaced },
      );
      assert.equal(again.state, "SUCCESS");
      const stoppedList = await ecs.send(
        new ListTasksCommand({
          cluster: CLUSTER,
          serviceName: "frontend-service",
          desiredStatus: "STOPPED",
        }),
      );
      assert.ok(stoppedList.taskArns?.includes(frontendTask ?? ""));
    },
  );

  await t.test(
    "Cloud Map through the SDK: namespaces, services, instances, DiscoverInstances",
    async () => {
      const namespaces = await cloudMap.send(new ListNamespacesCommand({}));
      const local = namespaces.Namespaces?.find((n) => n.Name === "local");
      assert.match(local?.Id ?? "", /^ns-[a-z0-9]{16}$/);
      const services = await cloudMap.send(
        new ListCloudMapServicesCommand({
          Filters: [{ Name: "NAMESPACE_ID", Values: [local?.Id ?? ""], Condition: "EQ" }],
        }),
      );
      const backend = services.Services?.find((s) => s.Name === "backend-container");
      assert.match(backend?.Id ?? "", /^srv-[a-z0-9]{16}$/);
      const instances = await cloudMap.send(new ListInstancesCommand({ ServiceId: backend?.Id }));
      assert.ok((instances.Instances?.length ?? 0) >= 1);
      assert.equal(instances.Instances?.[0]?.Attributes?.ECS_SERVICE_NAME, "backend-service");
      const discovered = await cloudMap.send(
        new DiscoverInstancesCommand({ NamespaceName: "local", ServiceName: "backend-container" }),
      );
      assert.ok((discovered.Instances?.length ?? 0) >= 1);
      assert.equal(discovered.Instances?.[0]?.HealthStatus, "HEALTHY");
    },
  );

  await t.test("the AWS CLI v2: the issue's commands", async () => {
    const tasks = await awsJson<{ taskArns: string[] }>(endpoint, [
      "ecs",
      "list-tasks",
      "--cluster",
      CLUSTER,
      "--service-name",
      "backend-service",
    ]);
    assert.ok(tasks.taskArns.length >= 1);
    const stable = await aws(endpoint, [
      "ecs",
      "wait",
      "services-stable",
      "--cluster",
      CLUSTER,
      "--services",
      "backend-service",
      "frontend-service",
    ]);
    assert.equal(stable.code, 0, stable.stderr);
    // The frontend's task: it is at its minimum, so no scale-in can stop it under the waiter.
    const frontend = await awsJson<{ taskArns: string[] }>(endpoint, [
      "ecs",
      "list-tasks",
      "--cluster",
      CLUSTER,
      "--service-name",
      "frontend-service",
    ]);
    const running = await aws(endpoint, [
      "ecs",
      "wait",
      "tasks-running",
      "--cluster",
      CLUSTER,
      "--tasks",
      ...frontend.taskArns,
    ]);
    assert.equal(running.code, 0, running.stderr);

    const services = await awsJson<{ Services: { Id: string; Name: string }[] }>(endpoint, [
      "servicediscovery",
      "list-services",
    ]);
    const backend = services.Services.find((s) => s.Name === "backend-container");
    assert.ok(backend);
    const instances = await awsJson<{
      Instances: { Id: string; Attributes: Record<string, string> }[];
    }>(endpoint, ["servicediscovery", "list-instances", "--service-id", backend.Id]);
    assert.ok(instances.Instances.length >= 1);
    const instance = instances.Instances[0];
    assert.equal(instance?.Attributes.AWS_INSTANCE_PORT, "5000");
    // The task's address on the run network, as ECS registers its network interface's.
    const ipv4 = instance?.Attributes.AWS_INSTANCE_IPV4 ?? "";
    assert.match(ipv4, /^10\.0\.\d+\.\d+$/);
    const described = await awsJson<{
      tasks: { attachments: { details: { name: string; value: string }[] }[] }[];
    }>(endpoint, ["ecs", "describe-tasks", "--cluster", CLUSTER, "--tasks", instance?.Id ?? ""]);
    const details = described.tasks[0]?.attachments[0]?.details ?? [];
    assert.equal(details.find((d) => d.name === "privateIPv4Address")?.value, ipv4);
    // CLI 2.9 sends DiscoverInstances to data-127.0.0.1 and knows no way to turn that off;
    // through the endpoint as its HTTP proxy the request arrives all the same.
    const discovered = await awsJson<{ Instances: unknown[] }>(
      endpoint,
      [
        "servicediscovery",
        "discover-instances",
        "--namespace-name",
        "local",
        "--service-name",
        "backend-container",
      ],
      { HTTP_PROXY: endpoint },
    );
    assert.ok(discovered.Instances.length >= 1);

    const activities = await awsJson<{ ScalingActivities: unknown[] }>(endpoint, [
      "application-autoscaling",
      "describe-scaling-activities",
      "--service-namespace",
      "ecs",
    ]);
    assert.ok(Array.isArray(activities.ScalingActivities));

    const start = new Date(Date.now() - 10 * 60_000).toISOString();
    const end = new Date(Date.now() + 60_000).toISOString();
    const queries = JSON.stringify([
      {
        Id: "memory",
        MetricStat: {
          Metric: {
            Namespace: "AWS/ECS",
            MetricName: "MemoryUtilization",
            Dimensions: [
              { Name: "ClusterName", Value: CLUSTER },
              { Name: "ServiceName", Value: "backend-service" },
            ],
          },
          Period: 60,
          Stat: "Average",
        },
      },
    ]);
    const data = await awsJson<{
      MetricDataResults: {
        Id: string;
        Timestamps: string[];
        Values: number[];
        StatusCode: string;
      }[];
    }>(endpoint, [
      "cloudwatch",
      "get-metric-data",
      "--start-time",
      start,
      "--end-time",
      end,
      "--metric-data-queries",
      queries,
    ]);
    const [memory] = data.MetricDataResults;
    assert.equal(memory?.Id, "memory");
    assert.equal(memory?.StatusCode, "Complete");
    assert.ok((memory?.Values.length ?? 0) >= 1, JSON.stringify(data));
    assert.ok(memory?.Values.every((v) => v > 0 && v < 100));
    const newest = Date.parse(memory?.Timestamps[0] ?? "");
    assert.ok(
      Math.abs(newest - Date.now()) < 60_000,
      `the newest datapoint is recent: ${memory?.Timestamps[0]}`,
    );

    const missing = await aws(endpoint, ["ecs", "list-services", "--cluster", "no-such-cluster"]);
    assert.equal(missing.code, 254);
    assert.match(
      missing.stderr,
      /An error occurred \(ClusterNotFoundException\) when calling the ListServices operation/,
    );
    const badPeriod = await aws(endpoint, [
      "cloudwatch",
      "get-metric-statistics",
      "--namespace",
      "AWS/ECS",
      "--metric-name",
      "CPUUtilization",
      "--start-time",
      start,
      "--end-time",
      end,
      "--period",
      "45",
      "--statistics",
      "Average",
    ]);
    assert.equal(badPeriod.code, 254);
    assert.match(badPeriod.stderr, /\(InvalidParameterValue\)/);
  });

  await t.test("Application Auto Scaling and CloudWatch through the SDK", async () => {
    const targets = await autoScaling.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "ecs" }),
    );
    assert.deepEqual(targets.ScalableTargets?.map((x) => x.ResourceId).sort(), [
      `service/${CLUSTER}/backend-service`,
      `service/${CLUSTER}/frontend-service`,
    ]);
    const policies = await autoScaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: "ecs" }),
    );
    for (const policy of policies.ScalingPolicies ?? []) {
      assert.equal(policy.PolicyType, "TargetTrackingScaling");
      assert.equal(policy.TargetTrackingScalingPolicyConfiguration?.TargetValue, 90);
      assert.deepEqual(
        policy.Alarms?.map((a) => /-(Alarm(?:High|Low))-/.exec(a.AlarmName ?? "")?.[1]),
        ["AlarmHigh", "AlarmLow"],
      );
    }
    // The backend runs 2 tasks at about a quarter of the 90 % target: the low alarm scales it in.
    const activities = await waitUntil(
      async () => {
        const answer = await autoScaling.send(
          new DescribeScalingActivitiesCommand({
            ServiceNamespace: "ecs",
            ResourceId: `service/${CLUSTER}/backend-service`,
            IncludeNotScaledActivities: true,
          }),
        );
        return (answer.ScalingActivities?.length ?? 0) > 0 ? answer.ScalingActivities : undefined;
      },
      120_000,
      "a scaling activity of the backend",
    );
    const [latest] = activities ?? [];
    assert.ok(latest?.StartTime instanceof Date);
    assert.match(
      latest?.Cause ?? "",
      /^monitor alarm TargetTracking-service\/ecs-web-app-cluster\/backend-service-AlarmLow-/,
    );

    const statistics = await cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/ECS",
        MetricName: "CPUUtilization",
        Dimensions: [
          { Name: "ClusterName", Value: CLUSTER },
          { Name: "ServiceName", Value: "frontend-service" },
        ],
        StartTime: new Date(Date.now() - 10 * 60_000),
        EndTime: new Date(),
        Period: 60,
        Statistics: ["Average", "Maximum", "SampleCount"],
      }),
    );
    assert.ok((statistics.Datapoints?.length ?? 0) >= 1);
    assert.equal(statistics.Datapoints?.[0]?.Unit, "Percent");
    // The ALB's metrics of the frontend's target group, named as a user finds it: the end of
    // the group's ARN, from DescribeServices.
    const [frontend] =
      (
        await ecs.send(
          new DescribeServicesCommand({ cluster: CLUSTER, services: ["frontend-service"] }),
        )
      ).services ?? [];
    const targetGroup = frontend?.loadBalancers?.[0]?.targetGroupArn?.split(":").at(-1) ?? "";
    assert.match(targetGroup, /^targetgroup\/[\w-]+\/[0-9a-f]{16}$/);
    for (let i = 0; i < 5; i++) await get(`http://127.0.0.1:${port}/`);
    const alb = await waitUntil(
      async () => {
        const data = await cloudWatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(Date.now() - 10 * 60_000),
            EndTime: new Date(),
            ScanBy: "TimestampAscending",
            MetricDataQueries: ["RequestCount", "HealthyHostCount"].map((name) => ({
              Id: name.toLowerCase(),
              MetricStat: {
                Metric: {
                  Namespace: "AWS/ApplicationELB",
                  MetricName: name,
                  Dimensions: [{ Name: "TargetGroup", Value: targetGroup }],
                },
                Period: 60,
                Stat: name === "RequestCount" ? "Sum" : "Maximum",
              },
            })),
          }),
        );
        const [requests, healthy] = data.MetricDataResults ?? [];
        // Counted in AWS time: at scale 30, five requests stand for 150.
        const sum = (requests?.Values ?? []).reduce((a, b) => a + b, 0);
        return sum >= 5 * 30 ? { requests, healthy } : undefined;
      },
      30_000,
      "the ALB's request count",
    );
    assert.ok((alb.healthy?.Values ?? []).includes(1), JSON.stringify(alb.healthy));
    assert.ok(alb.requests?.Timestamps?.[0] instanceof Date);
  });

  await t.test("malformed requests get AWS's error shape and code", async () => {
    const post = async (headers: Record<string, string>, body: string) => {
      const response = await fetch(endpoint, { method: "POST", headers, body });
      return { status: response.status, text: await response.text() };
    };
    const json11 = (target: string) => ({
      "x-amz-target": target,
      "content-type": "application/x-amz-json-1.1",
    });
    const cases: [string, Record<string, string>, string, string][] = [
      [
        "malformed JSON",
        json11("AmazonEC2ContainerServiceV20141113.ListTasks"),
        "{not json",
        "SerializationException",
      ],
      [
        "an unknown operation",
        json11("AmazonEC2ContainerServiceV20141113.DeleteCluster"),
        "{}",
        "UnknownOperationException",
      ],
      ["an unknown target", json11("Nope_20200101.Anything"), "{}", "UnknownOperationException"],
      [
        "ECS, a missing member",
        json11("AmazonEC2ContainerServiceV20141113.DescribeTasks"),
        `{"cluster":"${CLUSTER}"}`,
        "InvalidParameterException",
      ],
      [
        "Cloud Map, a missing member",
        json11("Route53AutoNaming_v20170314.GetInstance"),
        "{}",
        "InvalidInput",
      ],
      [
        "AAS, a missing member",
        json11("AnyScaleFrontendService.DescribeScalableTargets"),
        "{}",
        "ValidationException",
      ],
      [
        "CloudWatch, a missing member",
        {
          "x-amz-target": "GraniteServiceVersion20100801.GetMetricData",
          "content-type": "application/x-amz-json-1.0",
        },
        "{}",
        "MissingRequiredParameterException",
      ],
    ];
    for (const [what, headers, body, code] of cases) {
      const answer = await post(headers, body);
      assert.equal(answer.status, 400, what);
      assert.equal((JSON.parse(answer.text) as { __type: string }).__type, code, what);
    }
    const query = await post(
      { "content-type": "application/x-www-form-urlencoded" },
      "Action=GetMetricData&Version=2010-08-01",
    );
    assert.equal(query.status, 400);
    assert.match(query.text, /<Code>MissingParameter<\/Code>/);
    // Still answering, and ps shows where.
    assert.equal((await ecs.send(new ListClustersCommand({}))).clusterArns?.length, 1);
  });

  await downAndVerify(up, stateDir);
});
