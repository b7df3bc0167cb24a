import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsApiError } from "../../errors.js";
import { type AwsService, errorReply, parseRequest, resultReply, toAwsJson } from "./wire.js";

const known = (service: AwsService, operation: string) =>
  ({
    ecs: ["ListTasks"],
    servicediscovery: ["ListInstances"],
    "application-autoscaling": ["DescribeScalingActivities"],
    cloudwatch: ["GetMetricData"],
  })[service].includes(operation);

const json = (target: string | undefined, version = "1.1") => ({
  ...(target === undefined ? {} : { "x-amz-target": target }),
  "content-type": `application/x-amz-json-${version}`,
});
const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };

test("requests are dispatched on X-Amz-Target, or on the Query protocol's Action", () => {
  const cases: [Record<string, string>, string, string, string][] = [
    [json("AmazonEC2ContainerServiceV20141113.ListTasks"), "{}", "ecs", "ListTasks"],
    [
      json("Route53AutoNaming_v20170314.ListInstances"),
      '{"ServiceId":"srv-1"}',
      "servicediscovery",
      "ListInstances",
    ],
    [
      json("AnyScaleFrontendService.DescribeScalingActivities"),
      "",
      "application-autoscaling",
      "DescribeScalingActivities",
    ],
    [
      json("GraniteServiceVersion20100801.GetMetricData", "1.0"),
      "{}",
      "cloudwatch",
      "GetMetricData",
    ],
    [form, "Action=GetMetricData&Version=2010-08-01", "cloudwatch", "GetMetricData"],
  ];
  for (const [headers, body, service, operation] of cases) {
    const parsed = parseRequest(headers, body, known);
    assert.ok(parsed.ok, JSON.stringify(headers));
    assert.equal(parsed.request.service.service, service);
    assert.equal(parsed.request.operation, operation);
  }
  const query = parseRequest(
    form,
    "Action=GetMetricData&Version=2010-08-01&MaxDatapoints=5",
    known,
  );
  assert.ok(query.ok);
  assert.deepEqual(query.request.input, { MaxDatapoints: "5" });
  assert.equal(query.request.stringScalars, true);
});

test("malformed requests get AWS's error codes, never an exception", () => {
  const cases: [Record<string, string>, string, string, RegExp][] = [
    [json(undefined), "{}", "UnknownOperationException", /no X-Amz-Target header/],
    [
      json("AmazonEC2ContainerServiceV20141113.RunTask"),
      "{}",
      "UnknownOperationException",
      /RunTask is not an operation of ecs/,
    ],
    [json("Nope_20200101.ListTasks"), "{}", "UnknownOperationException", /names no service/],
    [
      json("AmazonEC2ContainerServiceV20141113.ListTasks"),
      '{"cluster": ',
      "SerializationException",
      /not valid JSON/,
    ],
    [
      json("AmazonEC2ContainerServiceV20141113.ListTasks"),
      "[1]",
      "SerializationException",
      /not an array/,
    ],
    [
      json("AmazonEC2ContainerServiceV20141113.ListTasks"),
      "42",
      "SerializationException",
      /not 42/,
    ],
    [form, "Version=2010-08-01", "MissingAction", /no Action/],
    [form, "Action=PutMetricData&Version=2010-08-01", "InvalidAction", /PutMetricData/],
    [form, "Action=GetMetricData&Version=2011-01-01", "InvalidAction", /2011-01-01/],
  ];
  for (const [headers, body, code, message] of cases) {
    const parsed = parseRequest(headers, body, known);
    assert.ok(!parsed.ok, body);
    assert.equal(parsed.error.awsCode, code, body);
    assert.match(parsed.error.message, message);
  }
});

test("an error is {__type, message} for ECS and CloudWatch, {__type, Message} for Cloud Map and AAS", () => {
  const error = new AwsApiError("ClusterNotFoundException", "Cluster not found.");
  const cases: [string, string, string][] = [
    ["AmazonEC2ContainerServiceV20141113.ListTasks", "message", "application/x-amz-json-1.1"],
    ["Route53AutoNaming_v20170314.ListInstances", "Message", "application/x-amz-json-1.1"],
    ["AnyScaleFrontendService.DescribeScalingActivities", "Message", "application/x-amz-json-1.1"],
    ["GraniteServiceVersion20100801.GetMetricData", "message", "application/x-amz-json-1.0"],
  ];
  for (const [target, key, type] of cases) {
    const parsed = parseRequest(json(target), "{}", known);
    assert.ok(parsed.ok);
    const reply = errorReply(parsed.request.reply, error, "rid");
    assert.equal(reply.status, 400);
    assert.equal(reply.headers["content-type"], type);
    assert.deepEqual(JSON.parse(reply.body), {
      __type: "ClusterNotFoundException",
      [key]: "Cluster not found.",
    });
  }
});

test("CloudWatch errors carry their Query code: in XML, and for query-compatible JSON clients in a header", () => {
  const error = new AwsApiError("InvalidParameterValueException", "bad");
  const query = parseRequest(form, "Action=GetMetricData&Version=2010-08-01", known);
  assert.ok(query.ok);
  const xml = errorReply(query.request.reply, error, "rid");
  assert.equal(xml.headers["content-type"], "text/xml");
  assert.match(
    xml.body,
    /<Type>Sender<\/Type><Code>InvalidParameterValue<\/Code><Message>bad<\/Message>/,
  );
  const compatible = parseRequest(
    { ...json("GraniteServiceVersion20100801.GetMetricData", "1.0"), "x-amzn-query-mode": "true" },
    "{}",
    known,
  );
  assert.ok(compatible.ok);
  const reply = errorReply(compatible.request.reply, error, "rid");
  assert.equal(reply.headers["x-amzn-query-error"], "InvalidParameterValue;Sender");
  const fault = errorReply(
    compatible.request.reply,
    new AwsApiError("InternalServiceFault", "x", { status: 500 }),
  );
  assert.equal(fault.status, 500);
  assert.equal(fault.headers["x-amzn-query-error"], "InternalServiceError;Receiver");
});

test("results: JSON with epoch-second timestamps, or Query XML", () => {
  assert.equal(
    toAwsJson({ at: new Date(1_700_000_000_123), n: [new Date(0)] }),
    '{"at":1700000000.123,"n":[0]}',
  );
  const parsed = parseRequest(form, "Action=GetMetricData&Version=2010-08-01", known);
  assert.ok(parsed.ok);
  const reply = resultReply(parsed.request, { Messages: [] }, "rid");
  assert.equal(reply.status, 200);
  assert.match(reply.body, /<GetMetricDataResult><Messages><\/Messages><\/GetMetricDataResult>/);
});
