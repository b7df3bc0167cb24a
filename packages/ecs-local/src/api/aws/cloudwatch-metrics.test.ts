import assert from "node:assert/strict";
import { test } from "node:test";
import { model, targetGroup } from "../../control/testing/model-builders.js";
import { loadBalancerDimension, targetGroupDimension } from "../../model/arns.js";
import type { EmulatedMetric } from "../../model/types.js";
import {
  periodProblem,
  periodsIn,
  type RunClock,
  resolveMetric,
  series,
} from "./cloudwatch-metrics.js";

const origin = (id: string) => ({ logicalId: id, constructPath: `Stack/${id}` });
const m = model([{ name: "api", port: 5000, targetGroup: "Web" }], {
  targetGroups: [targetGroup("Web", 80)],
  loadBalancers: [
    {
      origin: origin("Lb"),
      scheme: "internet-facing",
      securityGroupIds: [],
      listeners: [
        {
          origin: origin("Listener"),
          port: 80,
          protocol: "HTTP",
          defaultTargetGroupId: "Web",
          rules: [],
        },
      ],
    },
  ],
});
const group = targetGroupDimension(m.stackName, { origin: origin("Web") });
const lb = loadBalancerDimension(m.stackName, "Lb");
const d = (name: string, value: string) => ({ name, value });

test("a namespace, name and dimensions resolve to the stored metric, or to nothing", () => {
  const cases: [string, string, { name: string; value: string }[], EmulatedMetric | undefined][] = [
    [
      "AWS/ECS",
      "CPUUtilization",
      [d("ClusterName", "test-cluster"), d("ServiceName", "api")],
      { namespace: "AWS/ECS", name: "CPUUtilization", serviceId: "api" },
    ],
    [
      "AWS/ECS",
      "MemoryUtilization",
      [d("ServiceName", "api"), d("ClusterName", "test-cluster")],
      { namespace: "AWS/ECS", name: "MemoryUtilization", serviceId: "api" },
    ],
    ["AWS/ECS", "CPUUtilization", [d("ClusterName", "test-cluster")], undefined],
    ["AWS/ECS", "CPUUtilization", [d("ClusterName", "other"), d("ServiceName", "api")], undefined],
    [
      "AWS/ECS",
      "DiskUtilization",
      [d("ClusterName", "test-cluster"), d("ServiceName", "api")],
      undefined,
    ],
    [
      "AWS/ApplicationELB",
      "RequestCountPerTarget",
      [d("TargetGroup", group)],
      { namespace: "AWS/ApplicationELB", name: "RequestCountPerTarget", targetGroupId: "Web" },
    ],
    [
      "AWS/ApplicationELB",
      "HealthyHostCount",
      [d("TargetGroup", group), d("LoadBalancer", lb)],
      { namespace: "AWS/ApplicationELB", name: "HealthyHostCount", targetGroupId: "Web" },
    ],
    [
      "AWS/ApplicationELB",
      "UnHealthyHostCount",
      [d("TargetGroup", group), d("LoadBalancer", lb), d("AvailabilityZone", "local-1a")],
      { namespace: "AWS/ApplicationELB", name: "UnHealthyHostCount", targetGroupId: "Web" },
    ],
    [
      "AWS/ApplicationELB",
      "RequestCount",
      [d("TargetGroup", group), d("LoadBalancer", "app/x/1")],
      undefined,
    ],
    ["AWS/ApplicationELB", "RequestCount", [d("TargetGroup", "targetgroup/Web/0")], undefined],
    ["AWS/ApplicationELB", "TargetResponseTime", [d("TargetGroup", group)], undefined],
    ["AWS/EC2", "CPUUtilization", [], undefined],
  ];
  for (const [namespace, name, dims, metric] of cases) {
    assert.deepEqual(
      resolveMetric(m, namespace, name, dims)?.metric,
      metric,
      `${name} ${JSON.stringify(dims)}`,
    );
  }
  assert.equal(
    resolveMetric(m, "AWS/ECS", "CPUUtilization", [
      d("ClusterName", "test-cluster"),
      d("ServiceName", "api"),
    ])?.unit,
    "Percent",
  );
});

test("periods: 20 s or whole minutes, as the store's 20-second bins and CloudWatch allow", () => {
  const cases: [number, boolean][] = [
    [20, true],
    [60, true],
    [300, true],
    [3600, true],
    [1, false],
    [10, false],
    [30, false],
    [40, false],
    [90, false],
  ];
  for (const [period, ok] of cases)
    assert.equal(periodProblem(period) === undefined, ok, String(period));
});

// A run that began at wall time 1,000,000 ms at time scale 10, now 30 real seconds in.
const clock: RunClock = {
  awsNow: () => 300_000,
  awsTimeOf: (wall) => (wall - 1_000_000) * 10,
  wallTimeOf: (aws) => 1_000_000 + aws / 10,
};

test("a wall-clock window covers the complete periods of AWS time inside it", () => {
  const at = (realSeconds: number) => new Date(1_000_000 + realSeconds * 1000);
  const cases: [number, number, number, { first: number; count: number }][] = [
    // The whole run so far: five 60 s periods took 30 real seconds.
    [-100, 1000, 60_000, { first: 0, count: 5 }],
    // The start is rounded down to a period; an incomplete last period is left out.
    [7, 20, 60_000, { first: 1, count: 3 }],
    [7, 1000, 60_000, { first: 1, count: 4 }],
    [0, 1000, 20_000, { first: 0, count: 15 }],
    [25, 27, 60_000, { first: 4, count: 1 }],
    [40, 50, 60_000, { first: 6, count: 0 }],
  ];
  for (const [from, to, period, expected] of cases) {
    assert.deepEqual(
      periodsIn(clock, { start: at(from), end: at(to) }, period),
      expected,
      `${from}..${to}`,
    );
  }
});

test("each datapoint is stamped with the wall-clock time its period began", () => {
  const asked: unknown[] = [];
  const points = series(
    clock,
    (_metric, statistic, periodMs, count, endAws) => {
      asked.push({ statistic, periodMs, count, endAws });
      return [10, undefined, 30];
    },
    {
      metric: { namespace: "AWS/ECS", name: "CPUUtilization", serviceId: "api" },
      statistic: "Average",
      periodMs: 60_000,
      start: new Date(1_006_000),
      end: new Date(1_024_000),
    },
  );
  assert.deepEqual(asked, [{ statistic: "Average", periodMs: 60_000, count: 3, endAws: 240_000 }]);
  assert.deepEqual(points, [
    { timestamp: new Date(1_006_000), value: 10 },
    { timestamp: new Date(1_018_000), value: 30 },
  ]);
});

test("Service Connect metrics resolve with the discovery name alone, or with a service of the run", () => {
  const alone = resolveMetric(m, "AWS/ECS", "RequestCount", [
    { name: "DiscoveryName", value: "api" },
  ]);
  assert.deepEqual(alone, {
    metric: {
      namespace: "AWS/ECS",
      name: "RequestCount",
      series: "RequestCount DiscoveryName=api",
    },
    unit: "Count",
  });
  const perClient = resolveMetric(m, "AWS/ECS", "TargetResponseTime", [
    { name: "TargetDiscoveryName", value: "api" },
    { name: "ServiceName", value: "api" },
    { name: "ClusterName", value: "test-cluster" },
  ]);
  assert.equal(
    perClient?.metric && "series" in perClient.metric ? perClient.metric.series : undefined,
    "TargetResponseTime TargetDiscoveryName=api ServiceName=api ClusterName=test-cluster",
  );
  assert.equal(perClient?.unit, "Milliseconds");
  for (const dimensions of [
    [{ name: "DiscoveryName", value: "nope" }],
    [{ name: "TargetDiscoveryName", value: "api" }], // RequestCount is by DiscoveryName
    [
      { name: "DiscoveryName", value: "api" },
      { name: "ServiceName", value: "other" },
      { name: "ClusterName", value: "test-cluster" },
    ],
  ]) {
    assert.equal(resolveMetric(m, "AWS/ECS", "RequestCount", dimensions), undefined);
  }
});
