/**
 * The AWS API's HTTP edge on a real port: every malformed request gets AWS's error shape and
 * status, and the server keeps answering.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { ControlPlane } from "../../control/control-plane.js";
import { inMemoryTasks } from "../../control/testing/in-memory-task.js";
import { model } from "../../control/testing/model-builders.js";
import { clock } from "../../control/time-scale.js";
import { AwsApiServer } from "./aws-server.js";
import { controlPlaneSource } from "./control-plane-source.js";

async function serve(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-aws-server-"));
  const m = model([{ name: "api", port: 5000 }]);
  const plane = new ControlPlane({
    model: m,
    endpointsFile: join(dir, "endpoints.json"),
    clock: clock(10),
    logger: pino({ level: "silent" }),
    listenerPorts: new Map(),
    createTask: inMemoryTasks({ socketDir: dir }).createTask,
    onEvent: () => {},
    tickMs: 60_000,
  });
  const server = new AwsApiServer(controlPlaneSource(plane, m));
  const url = await server.start({ port: 0 });
  t.after(async () => {
    await server.close();
    await plane.shutdown("test over");
    rmSync(dir, { recursive: true, force: true });
  });
  return url;
}

const ecs = (operation: string) => ({
  "x-amz-target": `AmazonEC2ContainerServiceV20141113.${operation}`,
  "content-type": "application/x-amz-json-1.1",
});

test("listens on 127.0.0.1 only", async (t) => {
  assert.match(await serve(t), /^http:\/\/127\.0\.0\.1:\d+$/);
});

test("each malformed request gets AWS's error shape and code; the server keeps answering", async (t) => {
  const url = await serve(t);
  const cases: {
    what: string;
    method?: string;
    headers: Record<string, string>;
    body?: string;
    status: number;
    type: string;
    code: string;
  }[] = [
    {
      what: "malformed JSON",
      headers: ecs("ListTasks"),
      body: '{"cluster":',
      status: 400,
      type: "json",
      code: "SerializationException",
    },
    {
      what: "an unknown operation",
      headers: ecs("RunTask"),
      body: "{}",
      status: 400,
      type: "json",
      code: "UnknownOperationException",
    },
    {
      what: "an unknown target prefix",
      headers: { ...ecs("x"), "x-amz-target": "DynamoDB_20120810.ListTables" },
      body: "{}",
      status: 400,
      type: "json",
      code: "UnknownOperationException",
    },
    {
      what: "no target at all",
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: "{}",
      status: 400,
      type: "json",
      code: "UnknownOperationException",
    },
    {
      what: "ECS without a required member",
      headers: ecs("DescribeServices"),
      body: '{"cluster":"test-cluster"}',
      status: 400,
      type: "json",
      code: "InvalidParameterException",
    },
    {
      what: "Cloud Map without a required member",
      headers: {
        "x-amz-target": "Route53AutoNaming_v20170314.ListInstances",
        "content-type": "application/x-amz-json-1.1",
      },
      body: "{}",
      status: 400,
      type: "json",
      code: "InvalidInput",
    },
    {
      what: "Application Auto Scaling without a required member",
      headers: {
        "x-amz-target": "AnyScaleFrontendService.DescribeScalingActivities",
        "content-type": "application/x-amz-json-1.1",
      },
      body: "{}",
      status: 400,
      type: "json",
      code: "ValidationException",
    },
    {
      what: "CloudWatch (JSON 1.0) without a required member",
      headers: {
        "x-amz-target": "GraniteServiceVersion20100801.GetMetricStatistics",
        "content-type": "application/x-amz-json-1.0",
      },
      body: "{}",
      status: 400,
      type: "json",
      code: "MissingRequiredParameterException",
    },
    {
      what: "CloudWatch (Query) without a required member",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetMetricStatistics&Version=2010-08-01",
      status: 400,
      type: "xml",
      code: "MissingParameter",
    },
    {
      what: "a Query request without an Action",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Version=2010-08-01",
      status: 400,
      type: "xml",
      code: "MissingAction",
    },
    {
      what: "a GET",
      method: "GET",
      headers: {},
      status: 405,
      type: "json",
      code: "UnknownOperationException",
    },
  ];
  for (const c of cases) {
    const response = await fetch(url, {
      method: c.method ?? "POST",
      headers: c.headers,
      ...(c.body === undefined ? {} : { body: c.body }),
    });
    const text = await response.text();
    assert.equal(response.status, c.status, c.what);
    assert.ok(response.headers.get("x-amzn-requestid"), c.what);
    if (c.type === "json") {
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.equal(body.__type, c.code, c.what);
      assert.equal(typeof (body.message ?? body.Message), "string", c.what);
    } else {
      assert.match(text, new RegExp(`<Code>${c.code}</Code>`), c.what);
    }
  }
  const ok = await fetch(url, { method: "POST", headers: ecs("ListClusters"), body: "{}" });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), {
    clusterArns: ["arn:aws:ecs:local-1:000000000000:cluster/test-cluster"],
  });
});

test("the Host header and the request target are not read (a data- prefix, a proxy's absolute URL)", async (t) => {
  const url = new URL(await serve(t));
  // What the AWS CLI sends through HTTP_PROXY for DiscoverInstances: an absolute URL whose
  // host has Cloud Map's data- prefix.
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: `http://data-127.0.0.1:${url.port}/`,
        headers: { ...ecs("ListClusters"), host: `data-127.0.0.1:${url.port}` },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on("error", reject);
    req.end("{}");
  });
  assert.equal(status, 200);
});
