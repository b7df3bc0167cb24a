/**
 * The ECS operations ecs-local serves (X-Amz-Target `AmazonEC2ContainerServiceV20141113.*`):
 * the cluster, its services, tasks and task definitions as AWS answers for them, and the two
 * changes a run allows, a service's desired count and stopping a task. Clusters, services and
 * tasks are named by name, ID or ARN; `cluster` defaults to `default`, as on AWS.
 */
import { AwsApiError } from "../../errors.js";
import { clusterArn, serviceArn, taskArn } from "../../model/arns.js";
import type { AwsApiSource, ServiceState, TaskState } from "./aws-source.js";
import {
  clusterShape,
  type EcsContext,
  serviceShape,
  taskDefinitionShape,
  taskShape,
} from "./ecs-shapes.js";
import type { InputReader } from "./input.js";
import { paginate } from "./pagination.js";

type Operation = (source: AwsApiSource, input: InputReader) => unknown;

const context = (source: AwsApiSource): EcsContext => ({
  model: source.model,
  startedAt: source.startedAt,
});

/** The last `/`-separated part of an ARN, or the value itself. */
function lastPart(value: string): string {
  return value.startsWith("arn:") ? (value.split("/").at(-1) ?? value) : value;
}

/** The cluster a request names (short name or ARN; absent = `default`), or ClusterNotFoundException. */
function clusterOf(source: AwsApiSource, input: InputReader): string {
  const given = input.string("cluster") ?? "default";
  const name = lastPart(given);
  if (!source.model.clusters.some((c) => c.name === name)) {
    throw new AwsApiError(
      "ClusterNotFoundException",
      `Cluster not found: ${given}. This run has ${source.model.clusters.map((c) => c.name).join(", ")}.`,
    );
  }
  return name;
}

/** A service by name or ARN (`…:service/<cluster>/<name>` or the older `…:service/<name>`). */
function findService(
  source: AwsApiSource,
  cluster: string,
  nameOrArn: string,
): ServiceState | undefined {
  const name = lastPart(nameOrArn);
  return source
    .services()
    .find((s) => s.service.clusterName === cluster && s.service.name === name);
}

function findTask(
  services: readonly ServiceState[],
  cluster: string,
  idOrArn: string,
): { state: ServiceState; task: TaskState } | undefined {
  const id = lastPart(idOrArn);
  for (const state of services) {
    if (state.service.clusterName !== cluster) continue;
    const task = state.tasks.find((t) => t.id === id);
    if (task) return { state, task };
  }
  return undefined;
}

const listClusters: Operation = (source, input) => {
  const arns = source.model.clusters.map((c) => clusterArn(source.model, c.name));
  const page = paginate(arns, {
    nextToken: input.string("nextToken"),
    maxResults: input.integer("maxResults", { min: 1, max: 100 }),
    defaultSize: 100,
    invalidTokenCode: "InvalidParameterException",
  });
  return { clusterArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const describeClusters: Operation = (source, input) => {
  const names = input.stringList("clusters", { max: 100 }) ?? ["default"];
  const services = source.services();
  const clusters: unknown[] = [];
  const failures: unknown[] = [];
  for (const given of names) {
    const cluster = source.model.clusters.find((c) => c.name === lastPart(given));
    if (cluster) clusters.push(clusterShape(context(source), cluster, services));
    else {
      failures.push({
        arn: given.startsWith("arn:") ? given : clusterArn(source.model, given),
        reason: "MISSING",
      });
    }
  }
  return { clusters, failures };
};

const listServices: Operation = (source, input) => {
  const cluster = clusterOf(source, input);
  const launchType = input.choice("launchType", ["EC2", "FARGATE", "EXTERNAL"]);
  const strategy = input.choice("schedulingStrategy", ["REPLICA", "DAEMON"]);
  const arns =
    (launchType ?? "FARGATE") === "FARGATE" && (strategy ?? "REPLICA") === "REPLICA"
      ? source
          .services()
          .filter((s) => s.service.clusterName === cluster)
          .map((s) => serviceArn(source.model, cluster, s.service.name))
      : [];
  const page = paginate(arns, {
    nextToken: input.string("nextToken"),
    maxResults: input.integer("maxResults", { min: 1, max: 100 }),
    defaultSize: 10,
    invalidTokenCode: "InvalidParameterException",
  });
  return { serviceArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const describeServices: Operation = (source, input) => {
  const cluster = clusterOf(source, input);
  const names = input.stringList("services", { required: true, max: 10 }) ?? [];
  const services: unknown[] = [];
  const failures: unknown[] = [];
  for (const given of names) {
    const state = findService(source, cluster, given);
    if (state) services.push(serviceShape(context(source), state));
    else {
      failures.push({
        arn: given.startsWith("arn:") ? given : serviceArn(source.model, cluster, given),
        reason: "MISSING",
      });
    }
  }
  return { services, failures };
};

const listTasks: Operation = (source, input) => {
  const cluster = clusterOf(source, input);
  const serviceName = input.string("serviceName");
  const family = input.string("family");
  const startedBy = input.string("startedBy");
  const desired = input.choice("desiredStatus", ["RUNNING", "PENDING", "STOPPED"]) ?? "RUNNING";
  const launchType = input.choice("launchType", ["EC2", "FARGATE", "EXTERNAL"]);
  let services = source.services().filter((s) => s.service.clusterName === cluster);
  if (serviceName !== undefined) {
    const state = findService(source, cluster, serviceName);
    if (!state) {
      throw new AwsApiError("ServiceNotFoundException", `Service not found: ${serviceName}.`);
    }
    services = [state];
  }
  // Every task is a Fargate task, and none runs on a container instance.
  const fargate = (launchType ?? "FARGATE") === "FARGATE" && !input.has("containerInstance");
  const familyName = family === undefined ? undefined : lastPart(family).split(":")[0];
  const arns = services
    .filter((s) => fargate && (familyName === undefined || s.taskDefinition.family === familyName))
    // No task ever has desiredStatus PENDING, so asking for it lists nothing, as on AWS.
    .flatMap((s) => s.tasks.filter((t) => t.desiredStatus === desired))
    .filter((t) => startedBy === undefined || t.deploymentId === startedBy)
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((t) => taskArn(source.model, cluster, t.id));
  const page = paginate(arns, {
    nextToken: input.string("nextToken"),
    maxResults: input.integer("maxResults", { min: 1, max: 100 }),
    defaultSize: 100,
    invalidTokenCode: "InvalidParameterException",
  });
  return { taskArns: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
};

const describeTasks: Operation = (source, input) => {
  const cluster = clusterOf(source, input);
  const ids = input.stringList("tasks", { required: true, max: 100 }) ?? [];
  const services = source.services();
  const tasks: unknown[] = [];
  const failures: unknown[] = [];
  for (const given of ids) {
    const found = findTask(services, cluster, given);
    if (found) tasks.push(taskShape(context(source), found.state, found.task));
    else {
      failures.push({
        arn: given.startsWith("arn:") ? given : taskArn(source.model, cluster, given),
        reason: "MISSING",
      });
    }
  }
  return { tasks, failures };
};

const describeTaskDefinition: Operation = (source, input) => {
  const given = input.requiredString("taskDefinition");
  // `family`, `family:revision` or the ARN; without a revision, the latest.
  const [family = "", revision] = lastPart(given).split(":");
  const revisions = source.taskDefinitionRevisions(family);
  const number = revision === undefined ? revisions.length : Number(revision);
  const found = revisions[number - 1];
  if (!found) {
    const known = source.model.taskDefinitions.map(
      (t) => `${t.family}:1..${source.taskDefinitionRevisions(t.family).length}`,
    );
    throw new AwsApiError(
      "ClientException",
      `Unable to describe task definition ${given}: this run has ${known.join(", ")}.`,
    );
  }
  return { taskDefinition: taskDefinitionShape(context(source), found, number), tags: [] };
};

/** The members UpdateService acts on; anything else is refused rather than ignored. */
const UPDATE_SERVICE_MEMBERS = new Set([
  "cluster",
  "service",
  "desiredCount",
  "forceNewDeployment",
  "taskDefinition",
]);

/**
 * The revision UpdateService's `taskDefinition` names: `family`, `family:revision` or the ARN,
 * the latest revision when none is given. Only the service's own family can run in it here.
 */
function revisionOf(source: AwsApiSource, state: ServiceState, given: string): number {
  const family = state.taskDefinition.family;
  const [named = "", revision] = lastPart(given).split(":");
  const latest = source.taskDefinitionRevisions(family).length;
  if (named !== family) {
    throw new AwsApiError(
      "InvalidParameterException",
      `ecs-local runs the task definition family ${family} for ${state.service.name} and cannot switch it to ${given}; give a revision of ${family} (1..${latest}), or change the CDK app and run \`ecs-local up\` again.`,
    );
  }
  if (revision === undefined) return latest;
  const number = Number(revision);
  if (!Number.isInteger(number) || number < 1 || number > latest) {
    throw new AwsApiError(
      "ClientException",
      `TaskDefinition not found: ${given}. This run has ${family}:1..${latest}.`,
    );
  }
  return number;
}

const updateService: Operation = (source, input) => {
  const cluster = clusterOf(source, input);
  const name = input.requiredString("service");
  const desiredCount = input.integer("desiredCount", { min: 0 });
  const force = input.boolean("forceNewDeployment") ?? false;
  const taskDefinition = input.string("taskDefinition");
  const state = findService(source, cluster, name);
  if (!state) throw new AwsApiError("ServiceNotFoundException", `Service not found: ${name}.`);
  const others = input.names().filter((n) => !UPDATE_SERVICE_MEMBERS.has(n));
  if (others.length > 0) {
    throw new AwsApiError(
      "InvalidParameterException",
      `ecs-local's UpdateService changes desiredCount and taskDefinition (a revision of the service's family), and takes forceNewDeployment; ${others.join(", ")} ${others.length === 1 ? "is" : "are"} not emulated. Change the CDK app and run \`ecs-local up\` again.`,
    );
  }
  const current = state.deployments[0]?.taskDefinitionRevision ?? 1;
  const wanted =
    taskDefinition === undefined ? undefined : revisionOf(source, state, taskDefinition);
  if (desiredCount !== undefined) source.setDesiredCount(state.service.name, desiredCount);
  if (wanted !== undefined && wanted !== current) source.deployRevision(state.service.name, wanted);
  else if (force) source.forceNewDeployment(state.service.name);
  const updated = findService(source, cluster, state.service.name) ?? state;
  return { service: serviceShape(context(source), updated) };
};

const stopTask: Operation = (source, input) => {
  const cluster = clusterOf(source, input);
  const given = input.requiredString("task");
  const reason = input.string("reason") ?? "Task stopped by user";
  if (reason.length > 255) {
    throw input.invalid("reason", reason, "Member must have length less than or equal to 255");
  }
  const found = findTask(source.services(), cluster, given);
  if (!found)
    throw new AwsApiError("InvalidParameterException", "The referenced task was not found.");
  if (found.task.desiredStatus === "RUNNING") source.stopTask(found.task.id, reason);
  const after = findTask(source.services(), cluster, found.task.id) ?? found;
  return { task: taskShape(context(source), after.state, after.task) };
};

export const ECS_OPERATIONS: Readonly<Record<string, Operation>> = {
  ListClusters: listClusters,
  DescribeClusters: describeClusters,
  ListServices: listServices,
  DescribeServices: describeServices,
  ListTasks: listTasks,
  DescribeTasks: describeTasks,
  DescribeTaskDefinition: describeTaskDefinition,
  UpdateService: updateService,
  StopTask: stopTask,
};
