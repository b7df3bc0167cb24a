#!/usr/bin/env node
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { AppStack } from "../lib/app-stack";

const app = new App();
/** A number from `cdk synth -c name=value` (or `ecs-local up -c name=value`), if given. */
function numberFromContext(name: string): number | undefined {
  const value = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`-c ${name}=${value}: expected a number.`);
  return number;
}
const memoryTarget = numberFromContext("memoryTarget");
const cpuTarget = numberFromContext("cpuTarget");
new AppStack(app, "EcsServiceConnectStack", {
  // Scaling targets can be tried without editing code: -c memoryTarget=40 -c cpuTarget=50.
  ...(memoryTarget === undefined ? {} : { memoryTargetUtilizationPercent: memoryTarget }),
  ...(cpuTarget === undefined ? {} : { cpuTargetUtilizationPercent: cpuTarget }),
  description: "Next.js frontend and Fastify backend on ECS Fargate, joined by Service Connect",
  // Account and region come from the CLI's profile at deploy time; synth needs neither.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag's AwsSolutions pack runs on every synth; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
