/**
 * A bad flag is a one-line usage error with exit code 2, said before anything runs: never a
 * stack trace, never a half-started run.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { cli } from "./support/ecs-local-run.js";

const CASES: [args: string[], message: RegExp][] = [
  [["--time-scale", "0"], /^ecs-local: --time-scale 0 must be a positive number/],
  [["--time-scale", "-1"], /^ecs-local: --time-scale -1 must be a positive number/],
  [["--time-scale", "Infinity"], /^ecs-local: --time-scale Infinity must be a positive number/],
  [["--time-scale", "abc"], /^ecs-local: --time-scale abc must be a positive number/],
  [["--listener-port", "80"], /^ecs-local: --listener-port 80 must look like 80=8080/],
  [["--listener-port", "80=99999"], /^ecs-local: --listener-port 80=99999 must look like 80=8080/],
  [["--listener-port", "http=8080"], /^ecs-local: --listener-port http=8080 must look like/],
  [["-c", "novalue"], /^ecs-local: --context novalue must look like key=value/],
];

test("bad flags of up are one-line usage errors with exit code 2", async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-usage-"));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  for (const [args, message] of CASES) {
    const result = await cli(stateDir, ["up", "--app", tmpdir(), ...args]);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    assert.equal(result.stdout, "", "nothing started");
  }
});

test("scale with a bad count and an unknown verb are usage errors too", async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), "ecs-local-usage-"));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const scale = await cli(stateDir, ["scale", "backend", "two"]);
  assert.equal(scale.code, 2);
  assert.match(scale.stderr, /^ecs-local: Usage: ecs-local scale <service> <count>/);
  const unknown = await cli(stateDir, ["launch"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^ecs-local: Unknown command "launch"\./);
});
