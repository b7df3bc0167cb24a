#!/usr/bin/env node
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { AppStack } from "../lib/app-stack";

const app = new App();
new AppStack(app, "EcsServiceConnectStack", {
  description: "Next.js frontend and Fastify backend on ECS Fargate, joined by Service Connect",
  // Account and region come from the CLI's profile at deploy time; synth needs neither.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
// cdk-nag's AwsSolutions pack runs on every synth; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
