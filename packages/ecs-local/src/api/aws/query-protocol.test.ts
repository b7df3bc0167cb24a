import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeQuery, queryError, queryResponse, toXml } from "./query-protocol.js";

test("a Query body decodes to the input a JSON client would send", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["Action=GetMetricData&Version=2010-08-01", { Action: "GetMetricData", Version: "2010-08-01" }],
    ["Statistics.member.1=Average&Statistics.member.2=Sum", { Statistics: ["Average", "Sum"] }],
    [
      "MetricDataQueries.member.1.Id=m1&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS%2FECS" +
        "&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=ClusterName" +
        "&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=c" +
        "&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.2.Id=m2",
      {
        MetricDataQueries: [
          {
            Id: "m1",
            MetricStat: {
              Metric: { Namespace: "AWS/ECS", Dimensions: [{ Name: "ClusterName", Value: "c" }] },
              Period: "60",
            },
          },
          { Id: "m2" },
        ],
      },
    ],
    [
      "Tags.entry.1.key=a&Tags.entry.1.value=1&Tags.entry.2.key=b&Tags.entry.2.value=2",
      { Tags: { a: "1", b: "2" } },
    ],
    // Gaps in the numbering keep the order, without holes.
    ["L.member.3=c&L.member.1=a", { L: ["a", "c"] }],
    ["StartTime=2024-01-01T00%3A00%3A00Z", { StartTime: "2024-01-01T00:00:00Z" }],
    // Keys that would write to Object.prototype are dropped.
    ["__proto__.polluted=1&A.constructor.prototype.x=1&B=2", { B: "2" }],
  ];
  for (const [body, expected] of cases) assert.deepEqual(decodeQuery(body), expected, body);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("values become Query XML: members as elements, lists as <member>, dates in ISO 8601", () => {
  const cases: [unknown, string][] = [
    [
      { Id: "m1", Values: [1, 2.5] },
      "<Id>m1</Id><Values><member>1</member><member>2.5</member></Values>",
    ],
    [
      { Timestamps: [new Date(Date.UTC(2024, 0, 1))] },
      "<Timestamps><member>2024-01-01T00:00:00.000Z</member></Timestamps>",
    ],
    [{ Label: 'a<b & "c"', Gone: undefined }, "<Label>a&#60;b &#38; &#34;c&#34;</Label>"],
    [{ Messages: [] }, "<Messages></Messages>"],
    [{ Ok: true }, "<Ok>true</Ok>"],
  ];
  for (const [value, xml] of cases) assert.equal(toXml(value), xml);
});

test("the answer and the error have the Query protocol's envelopes", () => {
  const ok = queryResponse("GetMetricData", "urn:x", { Messages: [] }, "rid");
  assert.match(
    ok,
    /<GetMetricDataResponse xmlns="urn:x"><GetMetricDataResult><Messages><\/Messages><\/GetMetricDataResult><ResponseMetadata><RequestId>rid<\/RequestId><\/ResponseMetadata><\/GetMetricDataResponse>$/,
  );
  const error = queryError(
    "urn:x",
    { code: "InvalidParameterValue", message: "bad <x>", sender: true },
    "rid",
  );
  assert.match(
    error,
    /<ErrorResponse xmlns="urn:x"><Error><Type>Sender<\/Type><Code>InvalidParameterValue<\/Code><Message>bad &#60;x&#62;<\/Message><\/Error><RequestId>rid<\/RequestId><\/ErrorResponse>$/,
  );
});
