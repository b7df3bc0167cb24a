import { Duration } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as servicediscovery from "aws-cdk-lib/aws-servicediscovery";
import { Construct } from "constructs";

/** Properties of one Fargate service that joins the cluster's Service Connect namespace. */
export interface ConnectedServiceProps {
  readonly cluster: ecs.ICluster;
  readonly namespace: servicediscovery.INamespace;
  readonly logGroup: logs.ILogGroup;
  readonly securityGroup: ec2.ISecurityGroup;
  /** ECS service name, e.g. `backend-service`. */
  readonly serviceName: string;
  /** Container name, also the port mapping's prefix in logs, e.g. `backend`. */
  readonly containerName: string;
  /** Folder holding the container's Dockerfile. */
  readonly imageDirectory: string;
  /** Port the app listens on inside the task. */
  readonly containerPort: number;
  /** Service Connect port mapping name; ECS matches it against the task definition. */
  readonly portMappingName: string;
  /** Cloud Map discovery name and client alias host, e.g. `backend-container`. */
  readonly discoveryName: string;
  /** Path the container health check curls. */
  readonly healthCheckPath: string;
  /** Stream prefix of the Service Connect proxy's own logs. */
  readonly trafficLogStreamPrefix: string;
  /** Target memory utilisation (percent) for target-tracking scaling. */
  readonly memoryTargetUtilizationPercent: number;
  /**
   * Target CPU utilisation (percent): a second target-tracking policy when set.
   * @default no CPU policy
   */
  readonly cpuTargetUtilizationPercent?: number;
  /**
   * Task size.
   * @default 256 CPU units, 512 MiB
   */
  readonly cpu?: number;
  readonly memoryLimitMiB?: number;
  /**
   * Task count bounds for autoscaling.
   * @default 1..5
   */
  readonly minTaskCount?: number;
  readonly maxTaskCount?: number;
}

/**
 * A task definition, its Fargate service with Service Connect, and memory target tracking
 * (plus CPU target tracking when asked).
 * Both services of the app are built from this so they cannot drift apart.
 */
export class ConnectedService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: ConnectedServiceProps) {
    super(scope, id);
    const minTaskCount = props.minTaskCount ?? 1;
    const maxTaskCount = props.maxTaskCount ?? 5;
    if (!Number.isInteger(minTaskCount) || minTaskCount < 1 || maxTaskCount < minTaskCount) {
      throw new Error(
        `${this.node.path}: task count bounds ${minTaskCount}..${maxTaskCount} are invalid; ` +
          "use whole numbers with 1 <= minTaskCount <= maxTaskCount.",
      );
    }

    this.taskDefinition = new ecs.FargateTaskDefinition(this, "TaskDefinition", {
      cpu: props.cpu ?? 256,
      memoryLimitMiB: props.memoryLimitMiB ?? 512,
    });

    this.container = this.taskDefinition.addContainer(props.containerName, {
      containerName: props.containerName,
      image: ecs.ContainerImage.fromAsset(props.imageDirectory),
      essential: true,
      portMappings: [
        {
          name: props.portMappingName,
          containerPort: props.containerPort,
          protocol: ecs.Protocol.TCP,
          appProtocol: ecs.AppProtocol.http,
        },
      ],
      // The original stack's container health checks, unchanged: curl inside the container.
      healthCheck: {
        command: [
          "CMD-SHELL",
          `curl -f http://localhost:${props.containerPort}${props.healthCheckPath} || exit 1`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: props.logGroup,
        streamPrefix: props.containerName,
      }),
    });

    this.service = new ecs.FargateService(this, "Service", {
      cluster: props.cluster,
      serviceName: props.serviceName,
      taskDefinition: this.taskDefinition,
      securityGroups: [props.securityGroup],
      desiredCount: minTaskCount,
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      enableExecuteCommand: true,
      serviceConnectConfiguration: {
        namespace: props.namespace.namespaceArn,
        services: [
          {
            portMappingName: props.portMappingName,
            discoveryName: props.discoveryName,
            port: props.containerPort,
          },
        ],
        logDriver: ecs.LogDrivers.awsLogs({
          logGroup: props.logGroup,
          streamPrefix: props.trafficLogStreamPrefix,
        }),
      },
    });
    // Service Connect needs the namespace to exist before the service registers in it.
    this.service.node.addDependency(props.namespace);

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: minTaskCount,
      maxCapacity: maxTaskCount,
    });
    scaling.scaleOnMemoryUtilization("ScaleOnMemoryUtilization", {
      targetUtilizationPercent: props.memoryTargetUtilizationPercent,
      scaleInCooldown: Duration.seconds(60),
      scaleOutCooldown: Duration.seconds(60),
    });
    if (props.cpuTargetUtilizationPercent !== undefined) {
      scaling.scaleOnCpuUtilization("ScaleOnCpuUtilization", {
        targetUtilizationPercent: props.cpuTargetUtilizationPercent,
        scaleInCooldown: Duration.seconds(60),
        scaleOutCooldown: Duration.seconds(60),
      });
    }
  }
}
