/**
 * One service's deployments and task definition revisions, as ECS keeps them: which revision
 * each deployment runs, which deployment each task belongs to, and the circuit breaker's count
 * for the PRIMARY. No I/O and no timers: the service controller tells it what happened and
 * reads back the decisions and ECS's event lines.
 */
import type { DeploymentSettings, TaskDefinition } from "../../model/types.js";
import {
  type BreakerState,
  breakerStep,
  INITIAL_BREAKER_STATE,
  tripBreaker,
} from "./circuit-breaker.js";
import {
  deploymentCompletedEvent,
  deploymentFailedEvent,
  deploymentInProgressEvent,
  rollingBackEvent,
} from "./deployment-events.js";
import {
  completeDeployment,
  listedDeployments,
  primaryDeployment,
  startDeployment,
} from "./deployment-lifecycle.js";
import type { Deployment } from "./deployment-types.js";

export interface ServiceDeploymentsOptions {
  readonly service: string;
  readonly settings: DeploymentSettings;
  /** Revision 1: the task definition the template defines. */
  readonly taskDefinition: TaskDefinition;
  readonly desiredCount: number;
  readonly now: () => number;
  /** A new deployment ID (`ecs-svc/` and 19 digits) on each call. */
  readonly newDeploymentId: () => string;
}

/** What a change did, in ECS's words, for the service's event list. */
export type DeploymentEvents = readonly string[];

export class ServiceDeployments {
  readonly #options: ServiceDeploymentsOptions;
  /** Revision n is at index n - 1. */
  readonly #revisions: TaskDefinition[] = [];
  #deployments: Deployment[] = [];
  readonly #taskDeployment = new Map<string, string>();
  readonly #healthyTasks = new Set<string>();
  #breaker: BreakerState = INITIAL_BREAKER_STATE;
  #blockedSaidFor?: string;

  constructor(options: ServiceDeploymentsOptions) {
    this.#options = options;
    this.#revisions.push(options.taskDefinition);
    this.#deployments = startDeployment([], {
      id: options.newDeploymentId(),
      taskDefinitionRevision: 1,
      taskDefinitionKey: "1",
      desiredCount: options.desiredCount,
      now: options.now(),
    });
  }

  get primary(): Deployment {
    return primaryDeployment(this.#deployments) as Deployment;
  }

  /** The deployments DescribeServices lists: PRIMARY first, then ACTIVE ones. */
  listed(): Deployment[] {
    return listedDeployments(this.#deployments);
  }

  /** The latest revision registered, which is not always the PRIMARY's after a rollback. */
  get latestRevision(): number {
    return this.#revisions.length;
  }

  taskDefinition(revision: number): TaskDefinition {
    const found = this.#revisions[revision - 1];
    if (!found)
      throw new Error(`${this.#options.service}: no task definition revision ${revision}`);
    return found;
  }

  /** The task definition new tasks run. */
  get primaryTaskDefinition(): TaskDefinition {
    return this.taskDefinition(this.primary.taskDefinitionRevision);
  }

  /** The deployment a task was started for. */
  deploymentOf(taskId: string): string | undefined {
    return this.#taskDeployment.get(taskId);
  }

  /** Records a task the PRIMARY started. */
  taskStarted(taskId: string): void {
    this.#taskDeployment.set(taskId, this.primary.id);
  }

  /** Forgets a task ECS no longer lists. */
  forget(taskId: string): void {
    this.#taskDeployment.delete(taskId);
    this.#healthyTasks.delete(taskId);
  }

  /**
   * A new deployment: of a new revision when a task definition is given (a rebuilt image),
   * else of the PRIMARY's revision again (`forceNewDeployment`).
   */
  begin(desiredCount: number, taskDefinition?: TaskDefinition): DeploymentEvents {
    if (!taskDefinition)
      return this.beginRevision(desiredCount, this.primary.taskDefinitionRevision);
    this.#revisions.push(taskDefinition);
    return this.beginRevision(desiredCount, this.#revisions.length);
  }

  /** A new deployment of a revision already registered (UpdateService `taskDefinition`). */
  beginRevision(desiredCount: number, revision: number): DeploymentEvents {
    this.taskDefinition(revision);
    const id = this.#options.newDeploymentId();
    this.#deployments = startDeployment(this.#deployments, {
      id,
      taskDefinitionRevision: revision,
      taskDefinitionKey: String(revision),
      desiredCount,
      now: this.#options.now(),
    });
    this.#breaker = INITIAL_BREAKER_STATE;
    return [deploymentInProgressEvent(this.#options.service, id)];
  }

  /** True while the PRIMARY has not completed (or failed). */
  get inProgress(): boolean {
    return this.primary.rolloutState === "IN_PROGRESS";
  }

  /** True when the breaker failed the PRIMARY and nothing rolled it back: start no tasks. */
  get primaryFailed(): boolean {
    return this.primary.rolloutState === "FAILED";
  }

  /** The PRIMARY runs the desired count healthy and no older task is left. */
  complete(): DeploymentEvents {
    if (!this.inProgress) return [];
    const id = this.primary.id;
    this.#deployments = completeDeployment(this.#deployments, this.#options.now());
    return [deploymentCompletedEvent(this.#options.service, id)];
  }

  /** ECS's "unable to stop or start tasks" line, once per deployment. */
  blocked(event: string): DeploymentEvents {
    if (this.#blockedSaidFor === this.primary.id) return [];
    this.#blockedSaidFor = this.primary.id;
    return [event];
  }

  /** A task of the PRIMARY passed its checks: the breaker's count starts again (§3.2). */
  taskHealthy(taskId: string): void {
    if (this.#healthyTasks.has(taskId)) return;
    this.#healthyTasks.add(taskId);
    if (this.deploymentOf(taskId) !== this.primary.id || !this.inProgress) return;
    this.#countFailures(
      breakerStep(this.#breaker, { type: "BecameHealthy", taskId }, this.#breakerOptions()),
    );
  }

  /**
   * A task stopped on its own (exit, failed health check). A PRIMARY task counts toward the
   * circuit breaker; when it trips, the deployment fails and, if the template asks, a new
   * deployment rolls back to the last completed one, taking over that deployment's tasks.
   */
  taskFailed(taskId: string, desiredCount: number): DeploymentEvents {
    if (this.deploymentOf(taskId) !== this.primary.id || !this.inProgress) return [];
    if (this.#healthyTasks.has(taskId)) return [];
    const options = this.#breakerOptions(desiredCount);
    this.#countFailures(breakerStep(this.#breaker, { type: "FailedToStart", taskId }, options));
    if (!this.#breaker.tripped) return [];
    const now = this.#options.now();
    const outcome = tripBreaker(this.#deployments, {
      rollback: this.#options.settings.circuitBreaker.rollback,
      failedTasks: this.#breaker.failedTasks,
      now,
    });
    if (!outcome) return [];
    this.#deployments = [...outcome.deployments];
    const service = this.#options.service;
    const events = [deploymentFailedEvent(service, outcome.failed.id)];
    const rollback = outcome.rollback;
    if (!rollback) return events;
    const id = this.#options.newDeploymentId();
    this.#deployments = startDeployment(this.#deployments, {
      id,
      taskDefinitionRevision: rollback.taskDefinitionRevision,
      taskDefinitionKey: rollback.taskDefinitionKey,
      desiredCount,
      now,
      rolloutStateReason: rollback.rolloutStateReason,
    });
    // The tasks still running the version rolled back to stay: they already are what the
    // rollback would start (our choice; the reference is silent on whether ECS replaces them).
    for (const [task, deployment] of this.#taskDeployment) {
      if (deployment === rollback.toDeploymentId) this.#taskDeployment.set(task, id);
    }
    this.#breaker = INITIAL_BREAKER_STATE;
    events.push(rollingBackEvent(service, rollback.toDeploymentId));
    return events;
  }

  /** The breaker's count is the PRIMARY's `failedTasks`, shown while the deployment runs. */
  #countFailures(state: BreakerState): void {
    this.#breaker = state;
    const primaryId = this.primary.id;
    this.#deployments = this.#deployments.map((d) =>
      d.id === primaryId ? { ...d, failedTasks: state.failedTasks } : d,
    );
  }

  #breakerOptions(desiredCount = this.primary.desiredCount) {
    return { enable: this.#options.settings.circuitBreaker.enable, desiredCount };
  }
}
