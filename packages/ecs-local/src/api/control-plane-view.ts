/**
 * What the API (and so the CLI and the dashboard) can see and ask of a running
 * control plane. The runtime implements it; the API only translates HTTP to these calls.
 */
export interface ControlPlaneView {
  status(): RunStatus;
  /** Sets a service's desired count, as `aws ecs update-service --desired-count` does. */
  scale(service: string, desiredCount: number): ServiceStatus;
  /**
   * Starts a new deployment of a service's current revision that replaces every task, as
   * `aws ecs update-service --force-new-deployment` does.
   */
  deploy(service: string): ServiceStatus;
  /** The holder process whose namespaces `exec` enters, and the container it runs as. */
  execTarget(taskOrService: string, container?: string): ExecTarget;
  /** Subscribes to log lines (`<service>/<task> | <line>`); returns the unsubscribe call. */
  followLogs(filter: { service?: string }, onLine: (line: string) => void): () => void;
  /** Recent log lines, oldest first. */
  recentLogs(filter: { service?: string }): string[];
  /** Service events (in ECS's words) and scaling activities, oldest first. */
  events(filter: { service?: string }): RunEvent[];
  /** Subscribes to new events; returns the unsubscribe call. */
  followEvents(filter: { service?: string }, onEvent: (event: RunEvent) => void): () => void;
  /** What each RUNNING task used in the last sample. */
  usage(): TaskUsageView[];
  /** Live traffic on each edge of the topology (ALB → service, service → service). */
  traffic(): TrafficView;
  /** Per service, desired and running tasks and each policy's metric, one point per sample. */
  timeline(): TimelineView;
  /**
   * Every metric (Service Connect's, the ALB's, ECS's utilization) in Prometheus's text
   * format: CloudWatch's names prefixed by their namespace, dimensions as labels.
   */
  metrics(): Promise<string>;
  /** Starts an orderly shutdown; resolves when everything has stopped. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Where `ecs-local exec` runs: in the namespaces of the task's holder, with the environment
 * and working folder of `container` (absent while that container is not running).
 */
export interface ExecTarget {
  readonly taskId: string;
  readonly holderPid: number;
  readonly container?: ExecContainer;
}

/** A running container's process and working folder. */
export interface ExecContainer {
  readonly name: string;
  readonly pid: number;
  readonly workingDirectory: string;
}

export interface RunEvent {
  /** ISO time. */
  readonly at: string;
  readonly service: string;
  /** `service`: the ECS scheduler's events; `scaling`: Application Auto Scaling's activities. */
  readonly kind: "service" | "scaling";
  readonly message: string;
}

export interface TaskUsageView {
  readonly service: string;
  readonly taskId: string;
  readonly cpuUnits: number;
  readonly memoryMiB: number;
  readonly reservedCpuUnits: number;
  readonly reservedMemoryMiB: number;
}

export interface PolicyStatusView {
  readonly policy: string;
  readonly kind: string;
  readonly metric: string;
  readonly target?: number;
  readonly value?: number;
  readonly alarms: readonly { readonly name: string; readonly state: string }[];
}

export interface RunStatus {
  readonly stackName: string;
  readonly timeScale: number;
  /**
   * How tasks are measured and limited: `cgroup v1 (limits enforced)`, `cgroup v2 (limits
   * enforced)` or `/proc sums (no limits)`.
   */
  readonly resources: string;
  readonly services: readonly ServiceStatus[];
  readonly listeners: readonly { readonly port: number; readonly url: string }[];
  readonly notEmulated: readonly { readonly type: string; readonly count: number }[];
}

export interface ServiceStatus {
  readonly name: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly healthyCount: number;
  readonly aliases: readonly string[];
  readonly tasks: readonly TaskStatusView[];
  readonly events: readonly string[];
  /** Cloud Map instances per discovery name the service registers. */
  readonly cloudMap: readonly { readonly discoveryName: string; readonly instances: number }[];
  /** The deployments ECS lists: PRIMARY first, then ACTIVE ones still replacing tasks. */
  readonly deployments: readonly DeploymentView[];
  /** Application Auto Scaling of the service, when it has a scalable target. */
  readonly scaling?: {
    readonly minCapacity: number;
    readonly maxCapacity: number;
    readonly policies: readonly PolicyStatusView[];
  };
}

export interface DeploymentView {
  readonly id: string;
  readonly status: "PRIMARY" | "ACTIVE" | "INACTIVE";
  readonly taskDefinitionRevision: number;
  readonly rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  readonly rolloutStateReason: string;
  readonly desiredCount: number;
  /** Tasks of the deployment RUNNING now. */
  readonly runningCount: number;
  readonly failedTasks: number;
  /** ISO time. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TaskStatusView {
  readonly id: string;
  /** The deployment that started it (`startedBy`). */
  readonly deploymentId?: string;
  readonly lastStatus: string;
  readonly desiredStatus: string;
  readonly health: string;
  readonly startedAt?: string;
  readonly stoppedReason?: string;
  readonly exitCodes: Readonly<Record<string, number | null>>;
  /** The ingress socket per port name, which the ALB connects to. */
  readonly sockets: Readonly<Record<string, string>>;
  /** Its address on the run network, which Service Connect connects to, when the run has one. */
  readonly address?: string;
}

/** One edge of the topology with its traffic over the last few seconds. */
export interface TrafficEdgeView {
  /** `alb`: a load balancer listener to a service; `service-connect`: a client service to a server. */
  readonly kind: "alb" | "service-connect";
  /** The load balancer's construct path, or the client service's name. */
  readonly from: string;
  /** The server service's name. */
  readonly to: string;
  /** Service Connect: the discovery name; ALB: the target group's construct path. */
  readonly via: string;
  readonly requestsPerSecond: number;
  /** Latency of the answered requests in the window, in milliseconds; null without any. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Share of requests answered 5xx or not at all, 0..1; 0 without requests. */
  readonly errorRate: number;
}

export interface TrafficView {
  /** ISO time of the snapshot. */
  readonly at: string;
  /** The window the rates and percentiles cover, in real seconds. */
  readonly windowSeconds: number;
  readonly edges: readonly TrafficEdgeView[];
}

export interface TimelinePoint {
  /** ISO time. */
  readonly at: string;
  readonly desired: number;
  readonly running: number;
  /** Each scaling policy's metric value at that time (absent without data), by policy name. */
  readonly policies: Readonly<Record<string, number | undefined>>;
}

export interface TimelineView {
  readonly services: readonly {
    readonly name: string;
    /** Each policy's target, by policy name (target tracking only). */
    readonly targets: Readonly<Record<string, number | undefined>>;
    readonly points: readonly TimelinePoint[];
  }[];
}
