/**
 * The AWS APIs' view of a running control plane: snapshots of its services, tasks, registry,
 * metrics and activities, and the three things the APIs may ask of it (a desired count, a
 * task stopped, an event noted).
 */
import type { ControlPlane } from "../../control/control-plane.js";
import type { Model } from "../../model/types.js";
import type { AwsApiSource, ServiceState } from "./aws-source.js";

/** `model` is the one the control plane runs. */
export function controlPlaneSource(plane: ControlPlane, model: Model): AwsApiSource {
  const stoppedByUser = new Set<string>();
  const startedAt = plane.scaling.wallTimeOf(0);
  const controllerOf = (serviceName: string) => {
    const controller = plane.controllers.find((c) => c.service.name === serviceName);
    if (!controller) throw new Error(`no service ${serviceName} in the control plane`);
    return controller;
  };
  return {
    model,
    startedAt,
    services: () =>
      plane.controllers.map(
        (c): ServiceState => ({
          service: c.service,
          taskDefinition: c.taskDefinition,
          desiredCount: c.desiredCount,
          tasks: [...c.tasks.values()].map((t) => ({
            id: t.id,
            // Every task the controller still lists has its deployment.
            deploymentId: c.deploymentOf(t.id) ?? "",
            taskDefinitionRevision: t.taskDefinitionRevision,
            status: t.status,
            desiredStatus: t.desiredStatus,
            health: t.health,
            createdAt: t.createdAt,
            ...(t.startedAt === undefined ? {} : { startedAt: t.startedAt }),
            ...(t.stoppedReason === undefined ? {} : { stoppedReason: t.stoppedReason }),
            failed: t.failed,
            exitCodes: { ...t.exitCodes },
            stoppedByUser: stoppedByUser.has(t.id),
            address: t.address,
          })),
          events: [...c.serviceEvents],
          deployments: c.deployments(),
        }),
      ),
    instances: () => plane.registry.instances(),
    instancesRevision: () => plane.registry.revision,
    activities: () => plane.scaling.autoscaler.activities(),
    bounds: (serviceName) => plane.scaling.autoscaler.bounds(serviceName),
    datapoints: (metric, statistic, periodMs, count, endAws) =>
      plane.scaling.store.datapoints(metric, statistic, periodMs, count, endAws),
    awsNow: () => plane.scaling.awsNow(),
    awsTimeOf: (wallMs) => plane.scaling.awsTimeOf(wallMs),
    wallTimeOf: (awsMs) => plane.scaling.wallTimeOf(awsMs),
    setDesiredCount: (serviceName, count) => {
      plane.scale(controllerOf(serviceName).service.name, count);
    },
    stopTask: (taskId, reason) => {
      for (const controller of plane.controllers) {
        const task = controller.tasks.get(taskId);
        if (!task) continue;
        if (task.desiredStatus === "RUNNING") stoppedByUser.add(taskId);
        void task.stop(reason);
        return;
      }
    },
    noteServiceEvent: (serviceName, message) => controllerOf(serviceName).recordEvent(message),
    taskDefinitionRevisions: (family) => {
      const controller = plane.controllers.find((c) => c.taskDefinition.family === family);
      if (controller) return controller.taskDefinitionRevisions();
      return model.taskDefinitions.filter((t) => t.family === family);
    },
    forceNewDeployment: (serviceName) => {
      plane.deploy(controllerOf(serviceName).service.name);
    },
    deployRevision: (serviceName, revision) => {
      plane.deployRevision(controllerOf(serviceName).service.name, revision);
    },
  };
}
