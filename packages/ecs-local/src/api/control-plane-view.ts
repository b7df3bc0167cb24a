/**
 * What the API (and so the CLI and, later, the dashboard) can see and ask of a running
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
  /** The holder process whose namespaces `exec` enters. */
  execTarget(taskOrService: string): { taskId: string; holderPid: number };
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
  /** Starts an orderly shutdown; resolves when everything has stopped. */
  shutdown(reason: string): Promise<void>;
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
  /** Cloud Map instance address: the ingress socket per port name. */
  readonly sockets: Readonly<Record<string, string>>;
}
