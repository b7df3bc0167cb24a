/**
 * A task with no processes: its lifecycle moves only when told to. The control logic (service
 * controllers, the control plane, the ALB's target registration) is tested with these, fast
 * and without namespaces; `TaskRunner` is the real thing and has its own end-to-end tests.
 */
import type { ExecContainer } from "../../api/control-plane-view.js";
import type { EndpointMap } from "../registry.js";
import type {
  HealthStatus,
  ServiceTask,
  TaskFactory,
  TaskInit,
  TaskStatus,
  TaskUsage,
} from "../task-state.js";

export class InMemoryTask implements ServiceTask {
  readonly id: string;
  readonly service: string;
  readonly createdAt: number;
  status: TaskStatus = "PROVISIONING";
  desiredStatus: "RUNNING" | "STOPPED" = "RUNNING";
  health: HealthStatus = "UNKNOWN";
  startedAt?: number;
  stoppedReason?: string;
  failed = false;
  readonly exitCodes: Record<string, number | null> = {};
  readonly sockets: Record<string, string>;
  readonly holderPid: number | undefined = undefined;
  get taskDefinitionRevision(): number {
    return this.#init.taskDefinitionRevision;
  }
  execContainer(): ExecContainer | undefined {
    return undefined;
  }
  /** What `usage()` reports while RUNNING; tests set it. */
  used: TaskUsage = { memoryBytes: 0, cpuNanos: 0 };
  readonly #init: TaskInit;
  readonly #hasHealthCheck: boolean;
  readonly #now: () => number;

  constructor(init: TaskInit, now: () => number, socketDir: string) {
    this.id = init.id;
    this.service = init.service.name;
    this.createdAt = now();
    this.#now = now;
    this.#init = init;
    this.#hasHealthCheck = init.taskDefinition.containers.some((c) => c.healthCheck && c.essential);
    this.sockets = Object.fromEntries(
      init.taskDefinition.containers.flatMap((c) =>
        c.portMappings.map((p) => {
          const name = p.name ?? `${c.name}-${p.containerPort}`;
          return [name, `${socketDir}/${init.id}/${name}.sock`];
        }),
      ),
    );
  }

  get ready(): boolean {
    if (this.status !== "RUNNING" || this.desiredStatus !== "RUNNING") return false;
    return !this.#hasHealthCheck || this.health === "HEALTHY";
  }

  usage(): TaskUsage | undefined {
    return this.status === "RUNNING" ? this.used : undefined;
  }

  socketForPort(containerPort: number): string | undefined {
    for (const container of this.#init.taskDefinition.containers) {
      const mapping = container.portMappings.find((p) => p.containerPort === containerPort);
      if (mapping) return this.sockets[mapping.name ?? `${container.name}-${containerPort}`];
    }
    return undefined;
  }

  /** The endpoints its agent would route to, as last pushed (tests read them). */
  endpoints: EndpointMap = new Map();

  async syncEndpoints(endpoints: EndpointMap): Promise<void> {
    this.endpoints = endpoints;
  }

  /** Starting does nothing by itself: a test moves the task with {@link run}. */
  async start(): Promise<void> {
    this.#set("PENDING");
  }

  /** PENDING → RUNNING, with a health verdict when the task has a health check. */
  run(health: HealthStatus = this.#hasHealthCheck ? "HEALTHY" : "UNKNOWN"): void {
    this.startedAt = this.#now();
    this.health = health;
    this.#set("RUNNING");
  }

  /** A container health verdict changed. */
  setHealth(health: HealthStatus): void {
    this.health = health;
    this.#init.onChange(this);
  }

  /** The essential container exited on its own. */
  exit(code: number): void {
    void this.stop(`Essential container in task exited (app: exit code ${code})`, true);
  }

  async stop(reason: string, failed = false): Promise<void> {
    if (this.desiredStatus === "STOPPED") return;
    this.desiredStatus = "STOPPED";
    this.stoppedReason = reason;
    this.failed = failed;
    this.#set("DEACTIVATING");
    this.#set("STOPPED");
  }

  #set(status: TaskStatus): void {
    this.status = status;
    this.#init.onChange(this);
  }
}

/** A factory of in-memory tasks that keeps every task it made, newest last. */
export function inMemoryTasks(options: { socketDir: string; now?: () => number }): {
  readonly createTask: TaskFactory;
  readonly made: InMemoryTask[];
} {
  const made: InMemoryTask[] = [];
  const createTask: TaskFactory = (init) => {
    const task = new InMemoryTask(init, options.now ?? Date.now, options.socketDir);
    made.push(task);
    return task;
  };
  return { createTask, made };
}
