import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { App, Stack, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { AwsSolutionsChecks } from "cdk-nag";
import { AppStack } from "../lib/app-stack";

function appWithNag(t: { after: (fn: () => void) => void }) {
  const outdir = mkdtempSync(join(tmpdir(), "infra-nag-"));
  t.after(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, outdir };
}

test("the stack passes cdk-nag's AwsSolutions pack with no unacknowledged finding", (t) => {
  const { app } = appWithNag(t);
  const stack = new AppStack(app, "NagStack");
  assert.doesNotThrow(() => app.synth());

  // Acknowledgements are recorded as { "<source>::<rule>": reason } metadata entries.
  const acknowledged = stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .filter(([rule]) => rule.includes("AwsSolutions-"));
  assert.deepEqual([...new Set(acknowledged.map(([rule]) => rule))].sort(), [
    "Annotation::AwsSolutions-EC23",
    "Annotation::AwsSolutions-ELB2",
    "Annotation::AwsSolutions-IAM5[Resource::*]",
  ]);
  for (const [rule, reason] of acknowledged) {
    assert.ok(reason.length > 60, `${rule} carries a reason a reader can act on`);
  }
});

test("the check is live: an unacknowledged world-open group fails synthesis", (t) => {
  const { app, outdir } = appWithNag(t);
  const stack = new Stack(app, "Careless");
  const group = new ec2.SecurityGroup(stack, "Open", { vpc: new ec2.Vpc(stack, "Vpc") });
  group.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
  assert.throws(() => app.synth(), /Validation failed/);
  const report = readFileSync(join(outdir, "validation-report.json"), "utf8");
  assert.match(report, /AwsSolutions-EC23/);
});
