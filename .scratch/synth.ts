import * as cdk from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as cw from "aws-cdk-lib/aws-cloudwatch";
const app = new cdk.App();
const stack = new cdk.Stack(app, "S");
const vpc = new ec2.Vpc(stack, "Vpc", { maxAzs: 1, natGateways: 0 });
const cluster = new ecs.Cluster(stack, "Cluster", { vpc });
const td = new ecs.FargateTaskDefinition(stack, "Td");
td.addContainer("app", { image: ecs.ContainerImage.fromRegistry("x"), portMappings: [{ containerPort: 80 }] });
const svc = new ecs.FargateService(stack, "Svc", { cluster, taskDefinition: td });
const alb = new elbv2.ApplicationLoadBalancer(stack, "Alb", { vpc });
const l = alb.addListener("L", { port: 80 });
const tg = l.addTargets("T", { port: 80, targets: [svc] });
const scaling = svc.autoScaleTaskCount({ minCapacity: 1, maxCapacity: 4 });
scaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 50, disableScaleIn: true });
scaling.scaleOnRequestCount("Req", { requestsPerTarget: 100, targetGroup: tg });
scaling.scaleOnMetric("Step", {
  metric: svc.metricCpuUtilization({ period: cdk.Duration.minutes(1) }),
  scalingSteps: [{ upper: 10, change: -1 }, { lower: 50, change: +1 }, { lower: 70, change: +3 }],
  adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
});
scaling.scaleOnSchedule("Night", { schedule: appscaling.Schedule.cron({ hour: "20", minute: "0" }), minCapacity: 0, maxCapacity: 1 });
new appscaling.CfnScalingPolicy(stack, "HighRes", { policyName: "hr", policyType: "TargetTrackingScaling", scalingTargetId: (scaling as any).scalableTarget?.scalableTargetId ?? "x", targetTrackingScalingPolicyConfiguration: { targetValue: 60, predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilizationHighResolution" } } });
const t = app.synth().getStackByName("S").template;
for (const [id, r] of Object.entries<any>(t.Resources)) if (/ApplicationAutoScaling|CloudWatch::Alarm/.test(r.Type)) console.log(id, JSON.stringify(r, null, 1));
