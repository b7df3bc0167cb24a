// Application Auto Scaling as CDK writes it, synthesized in-process with aws-cdk-lib: target
// tracking on each predefined metric, step scaling with its alarms, scheduled actions, and
// the features ecs-local reads but does not emulate.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as cdk from "aws-cdk-lib";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { buildModel } from "./build-model.js";
import type { CfnTemplate } from "./template.js";
import type { Model, StepScalingPolicy, TargetTrackingPolicy } from "./types.js";

function synthesize(): Model {
  const app = new cdk.App({ context: { "aws:cdk:enable-path-metadata": true } });
  const stack = new cdk.Stack(app, "Scaling");
  const vpc = new ec2.Vpc(stack, "Vpc", { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, "Cluster", { vpc, clusterName: "shop" });
  const task = new ecs.FargateTaskDefinition(stack, "Task");
  task.addContainer("web", {
    image: ecs.ContainerImage.fromRegistry("public.ecr.aws/nginx/nginx"),
    portMappings: [{ containerPort: 80 }],
  });
  const service = new ecs.FargateService(stack, "Web", {
    cluster,
    serviceName: "web",
    taskDefinition: task,
    minHealthyPercent: 100,
  });
  const listener = new elbv2.ApplicationLoadBalancer(stack, "Alb", { vpc }).addListener("Http", {
    port: 80,
  });
  const group = listener.addTargets("Web", { port: 80, targets: [service] });
  const scaling = service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: 6 });
  scaling.scaleOnCpuUtilization("Cpu", {
    targetUtilizationPercent: 50,
    scaleInCooldown: cdk.Duration.seconds(90),
    disableScaleIn: true,
  });
  scaling.scaleOnRequestCount("Requests", { requestsPerTarget: 100, targetGroup: group });
  scaling.scaleOnMetric("Steps", {
    metric: service.metricCpuUtilization({ period: cdk.Duration.minutes(1) }),
    scalingSteps: [
      { upper: 10, change: -1 },
      { lower: 50, change: +1 },
      { lower: 80, change: +3 },
    ],
    adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
  });
  scaling.scaleOnSchedule("Evenings", {
    schedule: appscaling.Schedule.cron({ hour: "18", minute: "0" }),
    minCapacity: 3,
  });
  scaling.scaleToTrackCustomMetric("Queue", {
    metric: new cloudwatch.Metric({ namespace: "Shop", metricName: "QueueDepth" }),
    targetValue: 10,
  });
  const highResolution = new appscaling.CfnScalingPolicy(stack, "FastCpu", {
    policyName: "fast-cpu",
    policyType: "TargetTrackingScaling",
    scalingTargetId: "service/shop/web|ecs:service:DesiredCount|ecs",
    targetTrackingScalingPolicyConfiguration: {
      targetValue: 60,
      predefinedMetricSpecification: {
        predefinedMetricType: "ECSServiceAverageCPUUtilizationHighResolution",
      },
    },
  });
  highResolution.addPropertyOverride("ResourceId", "service/shop/web");
  const template = app.synth().getStackByName("Scaling").template as CfnTemplate;
  return buildModel(template, { stackName: "Scaling" });
}

describe("scaling as CDK writes it", () => {
  let model: Model;
  before(() => {
    model = synthesize();
  });
  const policy = <T extends "TargetTracking" | "StepScaling">(kind: T, name: RegExp) => {
    const found = model.scaling[0]?.policies.find((p) => p.kind === kind && name.test(p.name));
    assert.ok(found, `a ${kind} policy named like ${name}`);
    return found as T extends "TargetTracking" ? TargetTrackingPolicy : StepScalingPolicy;
  };

  it("reads the scalable target with its resource ID, bounds and scheduled action", () => {
    const target = model.scaling[0];
    assert.ok(target);
    assert.equal(model.scaling.length, 1);
    assert.equal(target.resourceId, "service/shop/web");
    assert.equal(target.minCapacity, 1);
    assert.equal(target.maxCapacity, 6);
    assert.deepEqual(target.scheduledActions, [
      { name: "Evenings", schedule: "cron(0 18 * * ? *)", minCapacity: 3 },
    ]);
    assert.deepEqual(target.suspended, {
      dynamicScalingIn: false,
      dynamicScalingOut: false,
      scheduledScaling: false,
    });
  });

  it("reads target tracking: cooldowns default to 300 s, the ALB metric names its group", () => {
    const cpu = policy("TargetTracking", /Cpu/);
    assert.equal(cpu.metric, "ECSServiceAverageCPUUtilization");
    assert.equal(cpu.targetValue, 50);
    assert.equal(cpu.scaleInCooldownMs, 90_000);
    assert.equal(cpu.scaleOutCooldownMs, 300_000);
    assert.equal(cpu.disableScaleIn, true);
    const requests = policy("TargetTracking", /Requests/);
    assert.equal(requests.metric, "ALBRequestCountPerTarget");
    assert.equal(requests.targetValue, 100);
    assert.match(requests.targetGroupId ?? "", /^AlbHttpWebGroup/);
    const fast = policy("TargetTracking", /^fast-cpu$/);
    assert.equal(fast.metric, "ECSServiceAverageCPUUtilizationHighResolution");
  });

  it("reads step scaling with the alarms whose actions name each policy", () => {
    const upper = policy("StepScaling", /StepsUpper/);
    assert.equal(upper.adjustmentType, "ChangeInCapacity");
    assert.deepEqual(upper.steps, [
      { lower: 0, upper: 30, adjustment: 1 },
      { lower: 30, adjustment: 3 },
    ]);
    assert.equal(upper.alarms.length, 1);
    const alarm = upper.alarms[0];
    assert.deepEqual(alarm?.metric, {
      namespace: "AWS/ECS",
      name: "CPUUtilization",
      serviceId: model.services[0]?.origin.logicalId,
    });
    assert.equal(alarm?.threshold, 50);
    assert.equal(alarm?.comparison, "GreaterThanOrEqualToThreshold");
    assert.equal(alarm?.periodMs, 60_000);
    const lower = policy("StepScaling", /StepsLower/);
    assert.deepEqual(lower.steps, [{ upper: 0, adjustment: -1 }]);
    assert.equal(lower.alarms[0]?.comparison, "LessThanOrEqualToThreshold");
  });

  it("lists what it reads but does not emulate, once, with the construct path", () => {
    assert.equal(model.notEmulatedFeatures.length, 1);
    assert.match(
      model.notEmulatedFeatures[0]?.constructPath ?? "",
      /Scaling\/Web\/TaskCount\/Target\/Queue/,
    );
    assert.match(model.notEmulatedFeatures[0]?.what ?? "", /customized metric/);
    const alarms = model.notEmulated.find((n) => n.type === "AWS::CloudWatch::Alarm");
    assert.equal(alarms, undefined, "the step alarms are emulated");
  });
});
