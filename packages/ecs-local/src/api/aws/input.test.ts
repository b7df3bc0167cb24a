import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsApiError } from "../../errors.js";
import { InputReader } from "./input.js";

const codes = { invalidParameter: "InvalidInput", missingParameter: "MissingParameter" };

function thrown(fn: () => unknown): AwsApiError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof AwsApiError);
    return error;
  }
  assert.fail("expected an AwsApiError");
}

test("a missing required member is the service's error, in AWS's validation wording", () => {
  const input = new InputReader({ other: 1 }, codes);
  const error = thrown(() => input.requiredString("services"));
  assert.equal(error.awsCode, "MissingParameter");
  assert.equal(
    error.message,
    "1 validation error detected: Value null at 'services' failed to satisfy constraint: Member must not be null",
  );
  assert.equal(
    thrown(() => new InputReader({ tasks: null }, codes).stringList("tasks", { required: true }))
      .awsCode,
    "MissingParameter",
  );
});

test("in JSON a member of the wrong type is a SerializationException; in Query, the service's invalid code", () => {
  const cases: [Record<string, unknown>, (r: InputReader) => unknown, boolean, string][] = [
    [{ desiredCount: "3" }, (r) => r.integer("desiredCount"), false, "SerializationException"],
    [{ desiredCount: 1.5 }, (r) => r.integer("desiredCount"), false, "SerializationException"],
    [{ cluster: 7 }, (r) => r.string("cluster"), false, "SerializationException"],
    [{ tasks: "abc" }, (r) => r.stringList("tasks"), false, "SerializationException"],
    [{ flag: "yes" }, (r) => r.boolean("flag"), true, "InvalidInput"],
    [{ At: "yesterday" }, (r) => r.timestamp("At"), true, "InvalidInput"],
  ];
  for (const [input, read, stringScalars, code] of cases) {
    assert.equal(
      thrown(() => read(new InputReader(input, codes, { stringScalars }))).awsCode,
      code,
      JSON.stringify(input),
    );
  }
});

test("Query scalars are read from text; timestamps from epoch seconds or ISO 8601", () => {
  const query = new InputReader(
    { Period: "60", Flag: "false", At: "2024-01-01T00:00:00Z" },
    codes,
    { stringScalars: true },
  );
  assert.equal(query.integer("Period"), 60);
  assert.equal(query.boolean("Flag"), false);
  assert.equal(query.timestamp("At")?.toISOString(), "2024-01-01T00:00:00.000Z");
  const json = new InputReader({ At: 1_700_000_000.5, Iso: "2023-11-14T22:13:20Z" }, codes);
  assert.equal(json.timestamp("At")?.getTime(), 1_700_000_000_500);
  assert.equal(json.timestamp("Iso")?.getTime(), 1_700_000_000_000);
});

test("ranges, enums and list lengths are checked with the member's path", () => {
  const input = new InputReader(
    { maxResults: 500, status: "LOST", list: ["a", "b", "c"], nested: [{ Name: 1 }] },
    codes,
  );
  const range = thrown(() => input.integer("maxResults", { min: 1, max: 100 }));
  assert.equal(range.awsCode, "InvalidInput");
  assert.match(range.message, /Value 500 at 'maxResults' .* less than or equal to 100/);
  assert.match(
    thrown(() => input.choice("status", ["RUNNING", "STOPPED"])).message,
    /enum value set: \[RUNNING, STOPPED\]/,
  );
  assert.match(
    thrown(() => input.stringList("list", { max: 2 })).message,
    /length less than or equal to 2/,
  );
  const [first] = input.objectList("nested") ?? [];
  assert.match(thrown(() => first?.string("Name")).message, /'nested\.1\.Name'/);
  assert.deepEqual(input.names().sort(), ["list", "maxResults", "nested", "status"]);
});
