import assert from "node:assert/strict";
import { test } from "node:test";
import { AwsApiError } from "../../errors.js";
import { paginate } from "./pagination.js";

const items = Array.from({ length: 25 }, (_, i) => i);
const options = { defaultSize: 10, invalidTokenCode: "InvalidNextTokenException" };

test("pages follow each other by token until the last, which has none", () => {
  const seen: number[] = [];
  const tokens = new Set<string>();
  let token: string | undefined;
  do {
    const page = paginate(items, { ...options, nextToken: token });
    seen.push(...page.items);
    token = page.nextToken;
    if (token) {
      assert.ok(!tokens.has(token), "a token never repeats (botocore refuses that)");
      tokens.add(token);
    }
  } while (token);
  assert.deepEqual(seen, items);
  assert.equal(tokens.size, 2, "10 + 10 + 5");
});

test("maxResults overrides the default page size; an exact fit has no token", () => {
  assert.deepEqual(paginate(items, { ...options, maxResults: 25 }), { items });
  assert.equal(paginate(items, { ...options, maxResults: 3 }).items.length, 3);
  assert.deepEqual(paginate([], options), { items: [] });
});

test("a token this API did not hand out is the service's error", () => {
  for (const token of ["garbage", Buffer.from('{"offset":-1}').toString("base64url")]) {
    assert.throws(
      () => paginate(items, { ...options, nextToken: token }),
      (e: unknown) => e instanceof AwsApiError && e.awsCode === "InvalidNextTokenException",
    );
  }
});
