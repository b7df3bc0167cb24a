import * as path from "node:path";
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as servicediscovery from "aws-cdk-lib/aws-servicediscovery";
import type { Construct } from "constructs";
import { ConnectedService } from "./connected-service";
import { acknowledgeSampleFindings } from "./nag-suppressions";

/** Properties of the application stack. */
export interface AppStackProps extends StackProps {
  /**
   * Memory utilisation (percent) each service's target tracking aims for. The original
   * walk-through used 20 % so that scaling is easy to observe; production apps want ~70 %.
   * @default 20
   */
  readonly memoryTargetUtilizationPercent?: number;
  /**
   * CPU utilisation (percent) a second target-tracking policy of each service aims for.
   * @default no CPU policy, as in the walk-through
   */
  readonly cpuTargetUtilizationPercent?: number;
  /**
   * Folder holding `backend/` and `frontend/` (each with its Dockerfile).
   * @default the repository's `app/` folder
   */
  readonly appDirectory?: string;
  /**
   * The ECS cluster's name. A fixed name, as the walk-through gives it, means one copy of the
   * stack per account and region; pass another to deploy a second one.
   * @default "ecs-web-app-cluster"
   */
  readonly clusterName?: string;
}

/** Ports are part of the contract between the services, so they live in one place. */
export const FRONTEND_PORT = 3000;
export const BACKEND_PORT = 5000;
export const LISTENER_PORT = 80;
export const NAMESPACE_NAME = "local";

/**
 * The frontend (Next.js) and backend (Fastify) as two Fargate services that talk through
 * ECS Service Connect (`http://backend-container.local:5000`), behind an internet-facing ALB.
 */
export class AppStack extends Stack {
  readonly frontend: ConnectedService;
  readonly backend: ConnectedService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;

  constructor(scope: Construct, id: string, props: AppStackProps = {}) {
    super(scope, id, props);
    const memoryTarget = props.memoryTargetUtilizationPercent ?? 20;
    if (!(memoryTarget > 0 && memoryTarget <= 100)) {
      throw new Error(
        `memoryTargetUtilizationPercent is ${memoryTarget}; it must be a percentage in (0, 100]. ` +
          "Pass a value such as 20 (the sample's) or 70 (a common production target).",
      );
    }
    const appDirectory = props.appDirectory ?? path.join(__dirname, "..", "..");

    const logGroup = new logs.LogGroup(this, "LogGroup", {
      removalPolicy: RemovalPolicy.DESTROY,
      retention: logs.RetentionDays.ONE_WEEK,
    });

    const vpc = new ec2.Vpc(this, "Vpc", { maxAzs: 2, natGateways: 1 });
    const flowLogGroup = new logs.LogGroup(this, "FlowLogGroup", {
      removalPolicy: RemovalPolicy.DESTROY,
      retention: logs.RetentionDays.ONE_WEEK,
    });
    vpc.addFlowLog("FlowLog", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
    });

    const cluster = new ecs.Cluster(this, "Cluster", {
      vpc,
      clusterName: props.clusterName ?? "ecs-web-app-cluster",
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const namespace = cluster.addDefaultCloudMapNamespace({
      name: NAMESPACE_NAME,
      type: servicediscovery.NamespaceType.DNS_PRIVATE,
      useForServiceConnect: true,
    });

    const albSecurityGroup = new ec2.SecurityGroup(this, "AlbSecurityGroup", {
      vpc,
      description: "ALB: HTTP from anywhere (IPv4)",
      allowAllOutbound: false,
    });
    const frontendSecurityGroup = new ec2.SecurityGroup(this, "FrontendSecurityGroup", {
      vpc,
      description: "Frontend tasks: port 3000 from the ALB only",
    });
    const backendSecurityGroup = new ec2.SecurityGroup(this, "BackendSecurityGroup", {
      vpc,
      description: "Backend tasks: port 5000 from the frontend only",
    });

    const cpuTarget = props.cpuTargetUtilizationPercent;
    if (cpuTarget !== undefined && !(cpuTarget > 0 && cpuTarget <= 100)) {
      throw new Error(
        `cpuTargetUtilizationPercent is ${cpuTarget}; it must be a percentage in (0, 100]. Pass a value such as 50, or leave it unset for memory tracking only.`,
      );
    }
    const shared = {
      cluster,
      namespace,
      logGroup,
      memoryTargetUtilizationPercent: memoryTarget,
      ...(cpuTarget === undefined ? {} : { cpuTargetUtilizationPercent: cpuTarget }),
    };
    this.backend = new ConnectedService(this, "Backend", {
      ...shared,
      securityGroup: backendSecurityGroup,
      serviceName: "backend-service",
      containerName: "backend",
      imageDirectory: path.join(appDirectory, "backend"),
      containerPort: BACKEND_PORT,
      portMappingName: "backend",
      discoveryName: "backend-container",
      healthCheckPath: "/healthcheck",
      trafficLogStreamPrefix: "backend-traffic",
    });
    this.frontend = new ConnectedService(this, "Frontend", {
      ...shared,
      securityGroup: frontendSecurityGroup,
      serviceName: "frontend-service",
      containerName: "frontend",
      imageDirectory: path.join(appDirectory, "frontend"),
      containerPort: FRONTEND_PORT,
      portMappingName: "frontend",
      discoveryName: "frontend-container",
      healthCheckPath: "",
      trafficLogStreamPrefix: "frontend-traffic",
    });
    // The frontend's first render calls the backend, so the backend comes up first.
    this.frontend.service.node.addDependency(this.backend.service);
    backendSecurityGroup.addIngressRule(
      frontendSecurityGroup,
      ec2.Port.tcp(BACKEND_PORT),
      "Service Connect traffic from the frontend",
    );

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, "LoadBalancer", {
      vpc,
      internetFacing: true,
      securityGroup: albSecurityGroup,
    });
    const listener = this.loadBalancer.addListener("HttpListener", {
      port: LISTENER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: true,
    });
    // Registering the service as a target also opens frontend:3000 to the ALB's group
    // and the ALB's egress to it; nothing else is opened.
    listener.addTargets("FrontendTargets", {
      port: FRONTEND_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [
        this.frontend.service.loadBalancerTarget({
          containerName: "frontend",
          containerPort: FRONTEND_PORT,
        }),
      ],
      healthCheck: { path: "/", healthyHttpCodes: "200" },
    });

    new CfnOutput(this, "LoadBalancerUrl", {
      description: "Open this in a browser once the stack is deployed",
      value: `http://${this.loadBalancer.loadBalancerDnsName}`,
    });

    acknowledgeSampleFindings({
      loadBalancer: this.loadBalancer,
      albSecurityGroup,
      taskDefinitions: [this.backend.taskDefinition, this.frontend.taskDefinition],
    });
  }
}
