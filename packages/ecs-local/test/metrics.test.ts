/**
 * After traffic through Service Connect and the ALB, `/metrics` (Prometheus) has CloudWatch's
 * metric names with their dimensions as labels, counting what was sent, and the traffic view
 * the dashboard draws has both edges.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { TrafficView } from "../src/api/control-plane-view.js";
import { cli, freePort, UpProcess, waitUntil } from "./support/ecs-local-run.js";
import { failed, load } from "./support/load.js";

const FIXTURE = join(import.meta.dirname, "fixtures/deploy-app");
const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-metrics-"));
let up: UpProcess;
let albUrl: string;
let apiUrl: string;

/** The value of the first sample of `name` whose labels include every one of `labels`. */
function sample(text: string, name: string, labels: Record<string, string | RegExp>): number {
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    const fits = Object.entries(labels).every(([key, want]) =>
      typeof want === "string" ? found[key] === want : want.test(found[key] ?? ""),
    );
    if (fits) return Number(match[3]);
  }
  return Number.NaN;
}

describe("metrics after traffic", { timeout: 300_000 }, () => {
  before(async () => {
    const port = await freePort();
    albUrl = `http://127.0.0.1:${port}/`;
    up = new UpProcess(stateDir, ["--app", FIXTURE, "--listener-port", `80=${port}`]);
    await up.waitFor(/all services healthy/, 240_000);
    apiUrl = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8")).apiUrl;
  });

  after(async () => {
    if (up.child.exitCode === null) {
      await cli(stateDir, ["down"], 120_000);
      await up.exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  test("/metrics has Service Connect's, the ALB's and ECS's metrics, dimensions as labels", async () => {
    const client = (await (await fetch(`${apiUrl}/v1/exec/client`)).json()) as {
      holderPid: number;
    };
    const running = [
      load({
        url: "http://api.local:8000/",
        connections: 5,
        seconds: 3,
        holderPid: client.holderPid,
      }),
      load({ url: albUrl, connections: 5, seconds: 3 }),
    ];
    // The dashboard's view while the load runs: both edges carry traffic.
    const traffic = await waitUntil(
      async () => {
        const view = (await (await fetch(`${apiUrl}/v1/traffic`)).json()) as TrafficView;
        const busy = view.edges.filter((e) => e.requestsPerSecond > 0);
        return busy.length === 2 ? view : undefined;
      },
      10_000,
      "traffic on both edges",
    );
    const [alias, alb] = await Promise.all(running);
    assert.ok(alias && alb && failed(alias) === 0 && failed(alb) === 0);
    const sc = traffic.edges.find((e) => e.kind === "service-connect" && e.requestsPerSecond > 0);
    assert.deepEqual([sc?.from, sc?.to, sc?.via], ["client", "api", "api"]);
    assert.ok((sc?.p99Ms ?? -1) >= 0, "Service Connect latency percentiles");
    assert.equal(traffic.edges.find((e) => e.kind === "alb")?.to, "api");

    const cluster = /.+/;
    const inbound = { DiscoveryName: "api", ServiceName: "api", ClusterName: cluster };
    // The agents' counters are read once a second.
    const text = await waitUntil(
      async () => {
        const scraped = await (await fetch(`${apiUrl}/metrics`)).text();
        return sample(scraped, "aws_ecs_RequestCount", inbound) >= alias.requests
          ? scraped
          : undefined;
      },
      5_000,
      "the agents' counters read",
    );
    const target = { TargetDiscoveryName: "api", ServiceName: "client", ClusterName: cluster };
    // autocannon leaves out what was in flight when it stopped: up to one per connection.
    const about = (value: number, counted: number) =>
      assert.ok(value >= counted && value <= counted + 5, `${value} for ${counted} counted`);
    about(sample(text, "aws_ecs_RequestCount", inbound), alias.requests);
    assert.ok(sample(text, "aws_ecs_ProcessedBytes", inbound) > 0);
    assert.ok(sample(text, "aws_ecs_NewConnectionCount", inbound) > 0, "connections accepted");
    assert.ok(sample(text, "aws_ecs_ActiveConnectionCount", inbound) >= 0, "connections open");
    about(sample(text, "aws_ecs_HTTPCode_Target_2XX_Count", target), alias.ok);
    // Response times are sampled: one request in ten writes a record.
    const timed = sample(text, "aws_ecs_TargetResponseTime_count", target);
    assert.ok(timed > alias.requests / 20 && timed < alias.requests / 5, `${timed} timed`);
    assert.ok(sample(text, "aws_ecs_TargetProcessedBytes", target) > 0);
    const albLabels = { LoadBalancer: /^app\/.+\/[0-9a-f]{16}$/, TargetGroup: /^targetgroup\// };
    assert.ok(sample(text, "aws_applicationelb_RequestCount", albLabels) >= alb.requests);
    assert.ok(sample(text, "aws_applicationelb_HTTPCode_Target_2XX_Count", albLabels) >= alb.ok);
    assert.equal(sample(text, "aws_applicationelb_HealthyHostCount", albLabels), 2);
    assert.ok(sample(text, "aws_ecs_MemoryUtilization", { ServiceName: "api" }) > 0);
    assert.ok(sample(text, "aws_ecs_CPUUtilization", { ServiceName: "api" }) >= 0);

    // The same counts are CloudWatch datapoints, in AWS time: at --time-scale 10 a request
    // seen in a real second stands for ten.
    const state = JSON.parse(readFileSync(join(stateDir, "run/state.json"), "utf8"));
    const cloudWatch = new CloudWatchClient({
      endpoint: state.awsEndpoint,
      region: "local-1",
      credentials: { accessKeyId: "ecs-local", secretAccessKey: "ecs-local" },
      maxAttempts: 1,
    });
    const query = (name: string, dimension: string, stat: string) => ({
      Id: name.toLowerCase(),
      MetricStat: {
        Metric: {
          Namespace: "AWS/ECS",
          MetricName: name,
          Dimensions: [{ Name: dimension, Value: "api" }],
        },
        Period: 20,
        Stat: stat,
      },
    });
    const results = await waitUntil(
      async () => {
        const data = await cloudWatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(Date.now() - 10 * 60_000),
            EndTime: new Date(),
            MetricDataQueries: [
              query("RequestCount", "DiscoveryName", "Sum"),
              query("TargetResponseTime", "TargetDiscoveryName", "Average"),
            ],
          }),
        );
        const [requests, responseTime] = data.MetricDataResults ?? [];
        const total = (requests?.Values ?? []).reduce((a, b) => a + b, 0);
        return total >= alias.requests * 10 ? { total, responseTime } : undefined;
      },
      15_000,
      "Service Connect's RequestCount in CloudWatch",
    );
    assert.ok(results.total <= (alias.requests + 5) * 10, `${results.total} requests`);
    assert.ok((results.responseTime?.Values ?? []).length > 0, "TargetResponseTime datapoints");
  });
});
