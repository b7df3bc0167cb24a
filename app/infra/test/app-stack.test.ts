import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CfnElement } from "aws-cdk-lib";
import { App, type Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { AppStack, type AppStackProps } from "../lib/app-stack";

function synthesize(props: AppStackProps = {}) {
  const app = new App();
  const stack = new AppStack(app, "TestStack", props);
  return { stack, template: Template.fromStack(stack) };
}

/** The logical ID CDK gave a construct's CloudFormation resource; never hard-coded. */
function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const { stack, template } = synthesize();
const serviceIds = {
  backend: logicalId(stack, stack.backend.service),
  frontend: logicalId(stack, stack.frontend.service),
};

describe("the log group and the cluster", () => {
  test("the app's log group is deleted with the stack", () => {
    template.hasResource("AWS::Logs::LogGroup", {
      DeletionPolicy: "Delete",
      Properties: Match.objectLike({ RetentionInDays: 7 }),
    });
  });

  test("Cloud Map namespace `local` is the cluster's Service Connect default", () => {
    template.resourceCountIs("AWS::ServiceDiscovery::PrivateDnsNamespace", 1);
    template.hasResourceProperties("AWS::ServiceDiscovery::PrivateDnsNamespace", { Name: "local" });
    const namespaceId = Object.keys(
      template.findResources("AWS::ServiceDiscovery::PrivateDnsNamespace"),
    )[0];
    template.hasResourceProperties("AWS::ECS::Cluster", {
      ServiceConnectDefaults: { Namespace: { "Fn::GetAtt": [namespaceId, "Arn"] } },
    });
  });

  test("the cluster is named as in the walk-through, unless told otherwise", () => {
    template.hasResourceProperties("AWS::ECS::Cluster", { ClusterName: "ecs-web-app-cluster" });
    const other = Template.fromStack(
      new AppStack(new App(), "Other", { clusterName: "second-copy" }),
    );
    other.hasResourceProperties("AWS::ECS::Cluster", { ClusterName: "second-copy" });
  });
});

describe("the load balancer", () => {
  test("is internet-facing with an HTTP listener on 80", () => {
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      Scheme: "internet-facing",
      Type: "application",
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      Protocol: "HTTP",
    });
  });

  test("forwards to an IP target group on 3000 whose health check wants 200 on /", () => {
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Port: 3000,
      Protocol: "HTTP",
      TargetType: "ip",
      HealthCheckPath: "/",
      Matcher: { HttpCode: "200" },
    });
  });

  test("has the frontend service registered as its target", () => {
    template.hasResourceProperties("AWS::ECS::Service", {
      ServiceName: "frontend-service",
      LoadBalancers: [Match.objectLike({ ContainerName: "frontend", ContainerPort: 3000 })],
    });
    const backend = template.findResources("AWS::ECS::Service", {
      Properties: { ServiceName: "backend-service" },
    });
    assert.equal(Object.values(backend)[0]?.Properties.LoadBalancers, undefined);
  });

  test("its URL is a stack output", () => {
    template.hasOutput("LoadBalancerUrl", {
      Value: { "Fn::Join": ["", ["http://", { "Fn::GetAtt": [Match.anyValue(), "DNSName"] }]] },
    });
  });
});

const containers = [
  { name: "backend", port: 5000, check: "curl -f http://localhost:5000/healthcheck || exit 1" },
  { name: "frontend", port: 3000, check: "curl -f http://localhost:3000 || exit 1" },
];

describe("task definitions", () => {
  for (const { name, port, check } of containers) {
    test(`${name}: named http port mapping, the original health check, logs to the log group`, () => {
      template.hasResourceProperties("AWS::ECS::TaskDefinition", {
        RequiresCompatibilities: ["FARGATE"],
        NetworkMode: "awsvpc",
        ContainerDefinitions: [
          Match.objectLike({
            Name: name,
            Essential: true,
            PortMappings: [
              { Name: name, ContainerPort: port, Protocol: "tcp", AppProtocol: "http" },
            ],
            HealthCheck: {
              Command: ["CMD-SHELL", check],
              Interval: 30,
              Timeout: 5,
              Retries: 3,
              StartPeriod: 10,
            },
            LogConfiguration: {
              LogDriver: "awslogs",
              Options: Match.objectLike({ "awslogs-stream-prefix": name }),
            },
          }),
        ],
      });
    });
  }
});

describe("services", () => {
  for (const { name, port } of containers) {
    test(`${name}-service joins Service Connect as ${name}-container:${port}`, () => {
      template.hasResourceProperties("AWS::ECS::Service", {
        ServiceName: `${name}-service`,
        LaunchType: "FARGATE",
        EnableExecuteCommand: true,
        DeploymentConfiguration: Match.objectLike({
          DeploymentCircuitBreaker: { Enable: true, Rollback: true },
          MinimumHealthyPercent: 100,
        }),
        ServiceConnectConfiguration: {
          Enabled: true,
          Namespace: Match.anyValue(),
          Services: [
            {
              PortName: name,
              DiscoveryName: `${name}-container`,
              ClientAliases: [{ Port: port }],
            },
          ],
          LogConfiguration: {
            LogDriver: "awslogs",
            Options: Match.objectLike({ "awslogs-stream-prefix": `${name}-traffic` }),
          },
        },
      });
    });
  }

  test("start in order: namespace, then backend, then frontend", () => {
    const namespaceId = Object.keys(
      template.findResources("AWS::ServiceDiscovery::PrivateDnsNamespace"),
    )[0];
    const services = template.findResources("AWS::ECS::Service");
    const dependsOn = (id: string) => (services[id]?.DependsOn ?? []) as string[];
    assert.ok(namespaceId && dependsOn(serviceIds.backend).includes(namespaceId));
    assert.ok(dependsOn(serviceIds.frontend).includes(namespaceId));
    assert.ok(dependsOn(serviceIds.frontend).includes(serviceIds.backend));
    assert.ok(!dependsOn(serviceIds.backend).includes(serviceIds.frontend));
  });
});

describe("autoscaling", () => {
  test("each service scales 1..5 tasks", () => {
    template.resourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 2);
    for (const service of Object.values(serviceIds)) {
      template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
        MinCapacity: 1,
        MaxCapacity: 5,
        ScalableDimension: "ecs:service:DesiredCount",
        ResourceId: Match.objectLike({
          "Fn::Join": Match.arrayWith([Match.arrayWith([{ "Fn::GetAtt": [service, "Name"] }])]),
        }),
      });
    }
  });

  test("tracks memory at 20 % with 60 s cooldowns, in policies named for the metric", () => {
    const policies = template.findResources("AWS::ApplicationAutoScaling::ScalingPolicy", {
      Properties: {
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: {
            PredefinedMetricType: "ECSServiceAverageMemoryUtilization",
          },
          TargetValue: 20,
          ScaleInCooldown: 60,
          ScaleOutCooldown: 60,
        },
      },
    });
    assert.equal(Object.keys(policies).length, 2);
    for (const id of Object.keys(policies)) assert.match(id, /ScaleOnMemoryUtilization/);
  });

  test("the memory target is a stack prop", () => {
    const { template: custom } = synthesize({ memoryTargetUtilizationPercent: 70 });
    custom.allResourcesProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 70 }),
    });
  });

  test("a CPU target adds a second target-tracking policy to each service", () => {
    const { template: withCpu } = synthesize({ cpuTargetUtilizationPercent: 50 });
    const cpu = withCpu.findResources("AWS::ApplicationAutoScaling::ScalingPolicy", {
      Properties: {
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: {
            PredefinedMetricType: "ECSServiceAverageCPUUtilization",
          },
          TargetValue: 50,
        }),
      },
    });
    assert.equal(Object.keys(cpu).length, 2);
    assert.throws(
      () => synthesize({ cpuTargetUtilizationPercent: 150 }),
      /cpuTargetUtilizationPercent is 150; it must be a percentage in \(0, 100\]/,
    );
  });

  test("a memory target outside (0, 100] is refused with the value in the message", () => {
    assert.throws(
      () => synthesize({ memoryTargetUtilizationPercent: 0 }),
      /memoryTargetUtilizationPercent is 0; it must be a percentage in \(0, 100\]/,
    );
  });
});

describe("security groups", () => {
  const groupId = (construct: IConstruct) => ({
    "Fn::GetAtt": [logicalId(stack, construct), "GroupId"],
  });
  const alb = groupId(stack.loadBalancer.connections.securityGroups[0] as IConstruct);
  const frontend = groupId(stack.frontend.service.connections.securityGroups[0] as IConstruct);
  const backend = groupId(stack.backend.service.connections.securityGroups[0] as IConstruct);

  test("the ALB takes port 80 from any IPv4 address and nothing else", () => {
    const albGroup = template.findResources("AWS::EC2::SecurityGroup", {
      Properties: { GroupDescription: Match.stringLikeRegexp("^ALB") },
    });
    const ingress = Object.values(albGroup)[0]?.Properties.SecurityGroupIngress;
    assert.deepEqual(
      ingress.map((r: Record<string, unknown>) => [r.CidrIp, r.IpProtocol, r.FromPort, r.ToPort]),
      [["0.0.0.0/0", "tcp", 80, 80]],
    );
  });

  test("the frontend takes 3000 from the ALB, the backend 5000 from the frontend, nothing more", () => {
    const rules = Object.values(template.findResources("AWS::EC2::SecurityGroupIngress")).map(
      (r) => r.Properties,
    );
    assert.deepEqual(
      rules.map((r) => [r.GroupId, r.SourceSecurityGroupId, r.FromPort, r.ToPort]),
      [
        [frontend, alb, 3000, 3000],
        [backend, frontend, 5000, 5000],
      ],
    );
    const inline = Object.values(template.findResources("AWS::EC2::SecurityGroup")).flatMap(
      (g) => g.Properties.SecurityGroupIngress ?? [],
    );
    assert.equal(inline.length, 1, "only the ALB's port-80 rule is inline");
  });

  test("the ALB may only send to the frontend on 3000", () => {
    const egress = Object.values(template.findResources("AWS::EC2::SecurityGroupEgress")).map(
      (r) => r.Properties,
    );
    assert.deepEqual(
      egress.map((r) => [r.GroupId, r.DestinationSecurityGroupId, r.FromPort]),
      [[alb, frontend, 3000]],
    );
  });
});
