/**
 * The names AWS would give what a run holds: ARNs, Cloud Map IDs, the ALB's dimension values,
 * shared by the AWS APIs and the metrics. Each is derived from the model (stack name, logical IDs, names), so
 * it is stable for the run and the same in every answer. Pure.
 */
import { createHash } from "node:crypto";
import type { LoadBalancer, Model, TargetGroup } from "./types.js";

/** The region and account a run pretends to be in (`local-1`, `000000000000`). */
export type Account = Pick<Model, "region" | "accountId">;

function digest(seed: string): Buffer {
  return createHash("sha256").update(seed).digest();
}

function hex(seed: string, length: number): string {
  return digest(seed).toString("hex").slice(0, length);
}

/** A UUID-shaped ID from a seed: the same seed, the same ID. */
export function stableUuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function clusterArn(account: Account, clusterName: string): string {
  return `arn:aws:ecs:${account.region}:${account.accountId}:cluster/${clusterName}`;
}

export function serviceArn(account: Account, clusterName: string, serviceName: string): string {
  return `arn:aws:ecs:${account.region}:${account.accountId}:service/${clusterName}/${serviceName}`;
}

/** The template's task definition is revision 1 of its family; each rebuild adds one. */
export function taskDefinitionArn(account: Account, family: string, revision = 1): string {
  return `arn:aws:ecs:${account.region}:${account.accountId}:task-definition/${family}:${revision}`;
}

/** As the task metadata endpoint names it (control/task-documents.ts), container ARNs too. */
export function taskArn(account: Account, clusterName: string, taskId: string): string {
  return `arn:aws:ecs:${account.region}:${account.accountId}:task/${clusterName}/${taskId}`;
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base32(seed: string, length: number): string {
  const bytes = digest(seed);
  return Array.from({ length }, (_, i) => BASE32[(bytes[i] ?? 0) % 32]).join("");
}

/** Cloud Map's `ns-` and 16 lower-case letters and digits, from the namespace's name. */
export function namespaceId(stackName: string, namespaceName: string): string {
  return `ns-${base32(`${stackName}/namespace/${namespaceName}`, 16)}`;
}

/** Cloud Map's `srv-…` ID of one discovery name in a namespace. */
export function cloudMapServiceId(
  stackName: string,
  namespaceName: string,
  discoveryName: string,
): string {
  return `srv-${base32(`${stackName}/service/${namespaceName}/${discoveryName}`, 16)}`;
}

export function namespaceArn(account: Account, id: string): string {
  return `arn:aws:servicediscovery:${account.region}:${account.accountId}:namespace/${id}`;
}

export function cloudMapServiceArn(account: Account, id: string): string {
  return `arn:aws:servicediscovery:${account.region}:${account.accountId}:service/${id}`;
}

/**
 * A target group's name: the template does not always set one (CloudFormation generates it),
 * so the logical ID stands in, cut to ELB's 32 characters.
 */
function elbName(logicalId: string): string {
  return logicalId.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 32);
}

/**
 * The `TargetGroup` dimension of ALB metrics, `targetgroup/<name>/<16 hex>` (the end of the
 * group's ARN), as CDK's `targetGroupFullName` gives it.
 */
export function targetGroupDimension(
  stackName: string,
  group: Pick<TargetGroup, "origin">,
): string {
  const id = group.origin.logicalId;
  return `targetgroup/${elbName(id)}/${hex(`${stackName}/targetgroup/${id}`, 16)}`;
}

/** The `LoadBalancer` dimension of ALB metrics, `app/<name>/<16 hex>`. */
export function loadBalancerDimension(stackName: string, logicalId: string): string {
  return `app/${elbName(logicalId)}/${hex(`${stackName}/loadbalancer/${logicalId}`, 16)}`;
}

/** Whether a listener of the load balancer forwards to the group (default action or a rule). */
export function forwardsTo(balancer: LoadBalancer, targetGroupId: string): boolean {
  return balancer.listeners.some(
    (l) =>
      l.defaultTargetGroupId === targetGroupId ||
      l.rules.some((r) => r.targetGroupId === targetGroupId),
  );
}

/**
 * A target group's ALB dimensions: the load balancer that forwards to it, and the group itself;
 * undefined where the model has neither.
 */
export function albDimensions(
  model: Pick<Model, "stackName" | "targetGroups" | "loadBalancers">,
  targetGroupId: string,
): { readonly loadBalancer?: string; readonly targetGroup?: string } {
  const group = model.targetGroups.find((g) => g.origin.logicalId === targetGroupId);
  const balancer = model.loadBalancers.find((lb) => forwardsTo(lb, targetGroupId));
  return {
    ...(balancer
      ? { loadBalancer: loadBalancerDimension(model.stackName, balancer.origin.logicalId) }
      : {}),
    ...(group ? { targetGroup: targetGroupDimension(model.stackName, group) } : {}),
  };
}

export function targetGroupArn(account: Account, dimension: string): string {
  return `arn:aws:elasticloadbalancing:${account.region}:${account.accountId}:${dimension}`;
}

/** The scalable target's ARN: `…:scalable-target/` and 36 characters. */
export function scalableTargetArn(account: Account, resourceId: string): string {
  return `arn:aws:application-autoscaling:${account.region}:${account.accountId}:scalable-target/${hex(`scalable-target/${resourceId}`, 36)}`;
}

/** A scaling policy's ARN, in the format of the reference's §1.8. */
export function scalingPolicyArn(account: Account, resourceId: string, policyName: string): string {
  const id = stableUuid(`policy/${resourceId}/${policyName}`);
  return `arn:aws:autoscaling:${account.region}:${account.accountId}:scalingPolicy:${id}:resource/ecs/${resourceId}:policyName/${policyName}`;
}

export function alarmArn(account: Account, alarmName: string): string {
  return `arn:aws:cloudwatch:${account.region}:${account.accountId}:alarm:${alarmName}`;
}

/** The service-linked role Application Auto Scaling uses for ECS services. */
export function autoScalingRoleArn(account: Account): string {
  return `arn:aws:iam::${account.accountId}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`;
}
