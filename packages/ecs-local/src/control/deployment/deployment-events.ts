/**
 * The service events of a deployment, in the ECS scheduler's words (`describe-services`
 * `events`, ECS-EV). ECS prefixes each with `(service <name>)` and, for one deployment's
 * events, `(deployment <id>)`, as `service-controller.ts` does for its own events. Pure.
 */

/**
 * A deployment began. ECS's event list has no such line that the reference or observed
 * services show: these words are ours, shaped like ECS's other deployment events and its
 * `rolloutStateReason` ("ECS deployment … in progress.").
 */
export function deploymentInProgressEvent(service: string, deploymentId: string): string {
  return `(service ${service}) (deployment ${deploymentId}) deployment in progress.`;
}

/** The PRIMARY reached its desired count healthy and the old tasks are gone (observed wording). */
export function deploymentCompletedEvent(service: string, deploymentId: string): string {
  return `(service ${service}) (deployment ${deploymentId}) deployment completed.`;
}

/**
 * The circuit breaker failed the deployment. ECS says "tasks failed to start" whichever stage
 * tripped it, health-check failures included (observed wording).
 */
export function deploymentFailedEvent(service: string, deploymentId: string): string {
  return `(service ${service}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`;
}

/** The circuit breaker rolls back to the last COMPLETED deployment (observed wording). */
export function rollingBackEvent(service: string, targetDeploymentId: string): string {
  return `(service ${service}) rolling back to deployment ${targetDeploymentId}.`;
}

/** The service's running tasks match its desired count, all healthy (§3.1, ECS-EV). */
export function steadyStateEvent(service: string): string {
  return `(service ${service}) has reached a steady state.`;
}

/**
 * minimumHealthyPercent and maximumPercent leave the scheduler nothing to stop or start
 * (§3.1; the full text from ECS-EV).
 */
export function deploymentConfigurationBlocksEvent(service: string): string {
  return (
    `(service ${service}) was unable to stop or start tasks during a deployment because of the ` +
    "service deployment configuration. Update the minimumHealthyPercent or maximumPercent value " +
    "and try again."
  );
}

/** The `stoppedReason` of a task the scheduler stops for a deployment or a scale-in. */
export function deploymentStopReason(deploymentId: string): string {
  return `Scaling activity initiated by (deployment ${deploymentId})`;
}
