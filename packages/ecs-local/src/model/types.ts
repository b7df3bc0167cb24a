/**
 * The typed model of a synthesized CDK stack, as far as ecs-local emulates it. Built from
 * CloudFormation by `buildModel` (pure); everything downstream reads only this.
 * Durations are in milliseconds of AWS time (before `--time-scale`).
 */

/** Where a model element came from, for error messages and the UI. */
export interface Origin {
  readonly logicalId: string;
  /** The CDK construct path (`aws:cdk:path` metadata), or the logical ID when absent. */
  readonly constructPath: string;
}

export interface Model {
  readonly stackName: string;
  /** The region and account the run pretends to be in (`AWS::Region`, ARNs, `AWS_REGION`). */
  readonly region: string;
  readonly accountId: string;
  readonly clusters: readonly Cluster[];
  readonly namespaces: readonly Namespace[];
  readonly taskDefinitions: readonly TaskDefinition[];
  readonly services: readonly Service[];
  readonly loadBalancers: readonly LoadBalancer[];
  readonly targetGroups: readonly TargetGroup[];
  readonly scaling: readonly ScalableTarget[];
  readonly securityGroups: readonly SecurityGroup[];
  /**
   * The `CidrBlock` of each `AWS::EC2::VPC` in the template, in template order; empty when the
   * stack defines no VPC (an imported one, say). Every awsvpc task and the load balancer have
   * addresses inside these ranges, so a CIDR rule of a security group is judged against them.
   */
  readonly vpcCidrs: readonly string[];
  /** Resource types present in the template that ecs-local does not emulate, with counts. */
  readonly notEmulated: readonly { readonly type: string; readonly count: number }[];
  /**
   * Features of emulated resources that ecs-local reads but does not emulate (a custom
   * scaling metric, say), each said once at `up`.
   */
  readonly notEmulatedFeatures: readonly {
    readonly constructPath: string;
    readonly what: string;
  }[];
}

export interface Cluster {
  readonly origin: Origin;
  /** `ClusterName` if set, else the logical ID. */
  readonly name: string;
  /** Logical ID of the namespace in `ServiceConnectDefaults`, if any. */
  readonly defaultNamespaceId?: string;
}

export interface Namespace {
  readonly origin: Origin;
  /** e.g. `local` */
  readonly name: string;
  readonly type: "DNS_PRIVATE" | "DNS_PUBLIC" | "HTTP";
}

export interface TaskDefinition {
  readonly origin: Origin;
  /** `Family` if set, else the logical ID. */
  readonly family: string;
  /** CPU units (1024 = one vCPU) and MiB, as strings in CloudFormation, numbers here. */
  readonly cpu?: number;
  readonly memoryMiB?: number;
  readonly containers: readonly ContainerDefinition[];
}

export interface ContainerDefinition {
  readonly name: string;
  /** Where the image comes from: a CDK image asset (built from a folder) or a registry name. */
  readonly image: ImageSource;
  readonly essential: boolean;
  readonly portMappings: readonly PortMapping[];
  readonly environment: Readonly<Record<string, string>>;
  /** Overrides the image's ENTRYPOINT / CMD when set, as ECS does. */
  readonly entryPoint?: readonly string[];
  readonly command?: readonly string[];
  readonly workingDirectory?: string;
  readonly healthCheck?: ContainerHealthCheck;
  /** Containers this one waits for (`DependsOn` inside the task definition). */
  readonly dependsOn: readonly { readonly containerName: string; readonly condition: string }[];
  /** Seconds between SIGTERM and SIGKILL; ECS's default is 30. */
  readonly stopTimeoutSeconds: number;
  readonly memoryMiB?: number;
  /** `Secrets`: environment variables whose values come from Secrets Manager or SSM. */
  readonly secrets: readonly ContainerSecret[];
  /**
   * `EnvironmentFiles`, in template order. ECS reads them before `environment`, which
   * overrides them; when two files set a variable, the first file's value is kept.
   */
  readonly environmentFiles: readonly EnvironmentFileRef[];
}

/** One entry of a container's `Secrets`: an environment variable and where its value lives. */
export interface ContainerSecret {
  /** The environment variable the container sees. */
  readonly name: string;
  /** `ValueFrom` as the template resolves it, for messages. */
  readonly valueFrom: string;
  readonly reference: SecretReference;
}

/**
 * Where a secret's value is looked up locally: a section and key of the secrets file, or a
 * value the template itself carries. Version stages and IDs are read but not used: the
 * secrets file holds one value per secret.
 */
export interface SecretReference {
  /** The secrets-file section: Secrets Manager secrets or SSM parameters. */
  readonly section: "secretsmanager" | "ssm";
  /**
   * The key inside the section: the secret's or parameter's name as the template has it
   * (`prod/db`, `/app/api-key`); for a secret or parameter defined in this stack without a
   * name, its CDK construct path.
   */
  readonly key: string;
  /**
   * A second key accepted when `key` is absent: for a complete secret ARN
   * (`…:secret:prod/db-AbCdEf`), the name without its six-character suffix (`prod/db`).
   */
  readonly shortKey?: string;
  /** A Secrets Manager JSON key: the value is that field of the secret's JSON value. */
  readonly jsonKey?: string;
  readonly versionStage?: string;
  readonly versionId?: string;
  /** The secret or parameter resource when this stack defines it. */
  readonly definedIn?: Origin;
  /**
   * The value the template gives (an in-stack SSM parameter's `Value`, an in-stack secret's
   * literal `SecretString`); an entry in the secrets file overrides it.
   */
  readonly templateValue?: string;
  /** True for an in-stack secret whose value is generated at deploy (`GenerateSecretString`). */
  readonly generated?: boolean;
}

/** One entry of a container's `EnvironmentFiles`. */
export type EnvironmentFileRef =
  | {
      /** An S3 object: its content comes from the secrets file's `s3` section. */
      readonly source: "s3";
      /** The key in the `s3` section: the object's ARN, `arn:aws:s3:::bucket/key`. */
      readonly key: string;
      /** `Value` as the template resolves it. */
      readonly valueFrom: string;
    }
  | {
      /** A CDK file asset (`EnvironmentFile.fromAsset`), read from the app's own folder. */
      readonly source: "asset";
      /** Absolute path of the file, from the stack's asset manifest. */
      readonly path: string;
      readonly valueFrom: string;
    };

export type ImageSource =
  | {
      readonly kind: "asset";
      /** The asset hash CDK used in the image tag. */
      readonly assetHash: string;
      /** Absolute path of the build context folder (filled in from the asset manifest). */
      readonly directory?: string;
      /** Dockerfile name relative to `directory`; default `Dockerfile`. */
      readonly dockerfile?: string;
      readonly buildArgs?: Readonly<Record<string, string>>;
      readonly target?: string;
    }
  | { readonly kind: "registry"; readonly name: string };

export interface PortMapping {
  /** Service Connect refers to a port mapping by this name. */
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp";
  readonly appProtocol?: "http" | "http2" | "grpc";
}

export interface ContainerHealthCheck {
  /** As in the template: `["CMD-SHELL", "curl -f …"]` or `["CMD", "curl", …]`. */
  readonly command: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

export interface Service {
  readonly origin: Origin;
  /** `ServiceName` if set, else the logical ID. */
  readonly name: string;
  /** Logical ID of the cluster, for cross-references. */
  readonly clusterId: string;
  /** The cluster's name: `ClusterName` when the template sets it, else its logical ID. */
  readonly clusterName: string;
  readonly taskDefinitionId: string;
  readonly desiredCount: number;
  readonly deployment: DeploymentSettings;
  readonly serviceConnect?: ServiceConnect;
  readonly loadBalancers: readonly ServiceLoadBalancer[];
  /** Logical IDs of security groups attached to the service's tasks. */
  readonly securityGroupIds: readonly string[];
  readonly healthCheckGracePeriodMs: number;
  readonly enableExecuteCommand: boolean;
  /** Logical IDs of the other services this one waits for (from `DependsOn`, transitively). */
  readonly dependsOnServices: readonly string[];
}

export interface DeploymentSettings {
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  readonly circuitBreaker: { readonly enable: boolean; readonly rollback: boolean };
}

export interface ServiceConnect {
  /** Logical ID of the namespace (explicit, or the cluster's default). */
  readonly namespaceId: string;
  readonly namespaceName: string;
  /** Empty for a client-only service. */
  readonly services: readonly ServiceConnectService[];
}

export interface ServiceConnectService {
  /** Name of the port mapping in the task definition. */
  readonly portName: string;
  /** Cloud Map service name; defaults to the port name. */
  readonly discoveryName: string;
  /** The container port the name resolves to (from the port mapping). */
  readonly containerPort: number;
  readonly appProtocol?: "http" | "http2" | "grpc";
  /** What clients dial: DNS name (default `<discoveryName>.<namespace>`) and port. */
  readonly clientAliases: readonly { readonly dnsName: string; readonly port: number }[];
  readonly ingressPortOverride?: number;
  /** Per-request timeout in ms (Service Connect default 15 s; 0 disables). */
  readonly perRequestTimeoutMs: number;
  /** Idle timeout in ms (default 300 s for HTTP, 3600 s for TCP). */
  readonly idleTimeoutMs: number;
}

export interface ServiceLoadBalancer {
  readonly targetGroupId: string;
  readonly containerName: string;
  readonly containerPort: number;
}

export interface LoadBalancer {
  readonly origin: Origin;
  readonly scheme: "internet-facing" | "internal";
  readonly securityGroupIds: readonly string[];
  readonly listeners: readonly Listener[];
}

export interface Listener {
  readonly origin: Origin;
  readonly port: number;
  readonly protocol: "HTTP" | "HTTPS";
  /** Forward target of the default action (weighted forwards use the first group). */
  readonly defaultTargetGroupId?: string;
  readonly rules: readonly ListenerRule[];
}

export interface ListenerRule {
  readonly origin: Origin;
  readonly priority: number;
  readonly pathPatterns: readonly string[];
  readonly hostHeaders: readonly string[];
  readonly targetGroupId: string;
}

export interface TargetGroup {
  readonly origin: Origin;
  readonly port: number;
  readonly protocol: "HTTP" | "HTTPS";
  readonly targetType: "ip" | "instance";
  readonly healthCheck: TargetGroupHealthCheck;
  /** Default 300 s. */
  readonly deregistrationDelayMs: number;
}

export interface TargetGroupHealthCheck {
  readonly path: string;
  /** e.g. `200` or `200-299` or `200,302`. */
  readonly matcher: string;
  /** Defaults as for ALB target groups: 30 s, 5 s, 5 healthy, 2 unhealthy. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface ScalableTarget {
  readonly origin: Origin;
  /** Logical ID of the scaled ECS service. */
  readonly serviceId: string;
  /** As Application Auto Scaling names it: `service/<cluster>/<service>`. */
  readonly resourceId: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly policies: readonly ScalingPolicy[];
  readonly scheduledActions: readonly ScheduledAction[];
  /** `SuspendedState`: what Application Auto Scaling must not do for this target. */
  readonly suspended: {
    readonly dynamicScalingIn: boolean;
    readonly dynamicScalingOut: boolean;
    readonly scheduledScaling: boolean;
  };
}

export type ScalingPolicy = TargetTrackingPolicy | StepScalingPolicy;

/** The predefined metrics of target tracking for ECS services (§1.1 of the AWS reference). */
export type PredefinedMetric =
  | "ECSServiceAverageCPUUtilization"
  | "ECSServiceAverageMemoryUtilization"
  | "ECSServiceAverageCPUUtilizationHighResolution"
  | "ECSServiceAverageMemoryUtilizationHighResolution"
  | "ALBRequestCountPerTarget";

export interface TargetTrackingPolicy {
  readonly kind: "TargetTracking";
  readonly origin: Origin;
  /** `PolicyName`, as activities and alarms name it. */
  readonly name: string;
  readonly metric: PredefinedMetric;
  /** For ALBRequestCountPerTarget: the target group (logical ID) its ResourceLabel names. */
  readonly targetGroupId?: string;
  readonly targetValue: number;
  readonly scaleInCooldownMs: number;
  readonly scaleOutCooldownMs: number;
  readonly disableScaleIn: boolean;
}

export interface StepAdjustment {
  /** Bounds on (metric − alarm threshold); absent means unbounded. Lower inclusive. */
  readonly lower?: number;
  readonly upper?: number;
  readonly adjustment: number;
}

export interface StepScalingPolicy {
  readonly kind: "StepScaling";
  readonly origin: Origin;
  readonly name: string;
  readonly adjustmentType: "ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity";
  readonly steps: readonly StepAdjustment[];
  readonly cooldownMs: number;
  readonly aggregation: "Average" | "Minimum" | "Maximum";
  /** For PercentChangeInCapacity: change at least this many tasks. */
  readonly minAdjustmentMagnitude?: number;
  /** The CloudWatch alarms whose actions name this policy. */
  readonly alarms: readonly MetricAlarm[];
}

/** A metric ecs-local computes, by what it is about. */
export type EmulatedMetric =
  | {
      readonly namespace: "AWS/ECS";
      readonly name: "CPUUtilization" | "MemoryUtilization";
      /** Logical ID of the service. */
      readonly serviceId: string;
    }
  | {
      readonly namespace: "AWS/ApplicationELB";
      readonly name:
        | "RequestCountPerTarget"
        | "RequestCount"
        | "HealthyHostCount"
        | "UnHealthyHostCount";
      /** Logical ID of the target group. */
      readonly targetGroupId: string;
    }
  | {
      readonly namespace: "AWS/ECS";
      readonly name: ServiceConnectMetricName;
      /**
       * The series: the metric's name and its dimensions in CloudWatch's order, e.g.
       * `RequestCount DiscoveryName=api` or `RequestCount DiscoveryName=api ServiceName=api
       * ClusterName=c` (see `serviceConnectSeries`).
       */
      readonly series: string;
    };

/** Service Connect's metrics in CloudWatch (§4.3 of the reference). */
export type ServiceConnectMetricName =
  | "RequestCount"
  | "ProcessedBytes"
  | "NewConnectionCount"
  | "ActiveConnectionCount"
  | "HTTPCode_Target_2XX_Count"
  | "HTTPCode_Target_3XX_Count"
  | "HTTPCode_Target_4XX_Count"
  | "HTTPCode_Target_5XX_Count"
  | "TargetResponseTime"
  | "TargetProcessedBytes";

export type ComparisonOperator =
  | "GreaterThanThreshold"
  | "GreaterThanOrEqualToThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold";

export interface MetricAlarm {
  readonly origin: Origin;
  readonly name: string;
  readonly metric: EmulatedMetric;
  readonly statistic: "Average" | "Sum" | "Minimum" | "Maximum" | "SampleCount";
  readonly periodMs: number;
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export interface ScheduledAction {
  readonly name: string;
  /** `at(2026-01-01T00:00:00)`, `rate(5 minutes)` or `cron(0 18 * * ? *)`. */
  readonly schedule: string;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
  /** Milliseconds since the epoch. */
  readonly startTime?: number;
  readonly endTime?: number;
  /** IANA zone for `at` and `cron`; UTC when absent. */
  readonly timezone?: string;
}

export interface SecurityGroup {
  readonly origin: Origin;
  readonly description: string;
  readonly ingress: readonly SecurityGroupRule[];
  readonly egress: readonly SecurityGroupRule[];
}

export interface SecurityGroupRule {
  /**
   * What to change to change the rule: the standalone `SecurityGroupIngress`/`Egress` resource,
   * or the group itself for an inline rule and for AWS's default allow-all egress.
   */
  readonly origin: Origin;
  readonly protocol: "tcp" | "udp" | "icmp" | "-1";
  readonly fromPort: number;
  readonly toPort: number;
  /** Exactly one peer: a CIDR or another group's logical ID. */
  readonly peer: { readonly cidr: string } | { readonly groupId: string };
}
