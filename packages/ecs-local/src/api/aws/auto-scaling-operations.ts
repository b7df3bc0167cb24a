/**
 * The Application Auto Scaling operations ecs-local serves (X-Amz-Target
 * `AnyScaleFrontendService.*`), read-only: the scalable targets of the run's ECS services,
 * their policies with the alarms that drive them, and the activities, newest first.
 */

import {
  isNotScaled,
  scalableTargetShape,
  scalingActivityShape,
  scalingPolicyShape,
} from "./auto-scaling-shapes.js";
import type { AwsApiSource } from "./aws-source.js";
import type { InputReader } from "./input.js";
import { paginate } from "./pagination.js";

type Operation = (source: AwsApiSource, input: InputReader) => unknown;

/** The service namespaces AAS knows; only `ecs` has targets in a run. */
const SERVICE_NAMESPACES = [
  "ecs",
  "elasticmapreduce",
  "ec2",
  "appstream",
  "dynamodb",
  "rds",
  "sagemaker",
  "custom-resource",
  "comprehend",
  "lambda",
  "cassandra",
  "kafka",
  "elasticache",
  "neptune",
  "workspaces",
] as const;

/** The targets a request is about: of its namespace, resource and dimension. */
function targetsOf(source: AwsApiSource, input: InputReader, resourceIds?: readonly string[]) {
  const namespace = input.choice("ServiceNamespace", SERVICE_NAMESPACES);
  if (namespace === undefined) input.requiredString("ServiceNamespace");
  const dimension = input.string("ScalableDimension");
  if (namespace !== "ecs") return [];
  if (dimension !== undefined && dimension !== "ecs:service:DesiredCount") return [];
  return source.model.scaling.filter(
    (t) => resourceIds === undefined || resourceIds.includes(t.resourceId),
  );
}

function page<T>(input: InputReader, items: readonly T[]) {
  return paginate(items, {
    nextToken: input.string("NextToken"),
    maxResults: input.integer("MaxResults", { min: 1, max: 50 }),
    defaultSize: 50,
    invalidTokenCode: "InvalidNextTokenException",
  });
}

/** The service a scalable target scales, by its name (`service/<cluster>/<name>`). */
function serviceNameOf(resourceId: string): string {
  return resourceId.split("/").at(-1) ?? resourceId;
}

const describeScalableTargets: Operation = (source, input) => {
  const ids = input.stringList("ResourceIds", { max: 50 });
  const createdAt = new Date(source.startedAt);
  const targets = targetsOf(source, input, ids);
  const result = page(input, targets);
  return {
    ScalableTargets: result.items.map((t) =>
      scalableTargetShape(
        source.model,
        t,
        source.bounds(serviceNameOf(t.resourceId)) ?? t,
        createdAt,
      ),
    ),
    ...(result.nextToken ? { NextToken: result.nextToken } : {}),
  };
};

const describeScalingPolicies: Operation = (source, input) => {
  const names = input.stringList("PolicyNames", { max: 50 });
  const resourceId = input.string("ResourceId");
  const createdAt = new Date(source.startedAt);
  const targets = targetsOf(source, input, resourceId === undefined ? undefined : [resourceId]);
  const policies = targets.flatMap((target) =>
    target.policies
      .filter((p) => names === undefined || names.includes(p.name))
      .map((policy) => ({ target, policy })),
  );
  const result = page(input, policies);
  return {
    ScalingPolicies: result.items.map(({ target, policy }) =>
      scalingPolicyShape(source.model, target, policy, createdAt),
    ),
    ...(result.nextToken ? { NextToken: result.nextToken } : {}),
  };
};

const describeScalingActivities: Operation = (source, input) => {
  const resourceId = input.string("ResourceId");
  const includeNotScaled = input.boolean("IncludeNotScaledActivities") ?? false;
  const targets = targetsOf(source, input, resourceId === undefined ? undefined : [resourceId]);
  const ids = new Set(targets.map((t) => t.resourceId));
  const activities = source
    .activities()
    .filter((a) => ids.has(a.resourceId))
    .filter((a) => includeNotScaled || !isNotScaled(a))
    // AAS lists the most recent first.
    .reverse();
  const result = page(input, activities);
  return {
    ScalingActivities: result.items.map(scalingActivityShape),
    ...(result.nextToken ? { NextToken: result.nextToken } : {}),
  };
};

export const AUTO_SCALING_OPERATIONS: Readonly<Record<string, Operation>> = {
  DescribeScalableTargets: describeScalableTargets,
  DescribeScalingPolicies: describeScalingPolicies,
  DescribeScalingActivities: describeScalingActivities,
};
