/**
 * CloudFormation template → the typed, validated `Model`. Pure: no I/O, same input, same model.
 * Errors are TemplateErrors naming the CDK construct path and a fix; resources ecs-local does
 * not emulate are counted in `notEmulated`, never fatal.
 */
import { createResolveContext, evaluateCondition } from "./intrinsics.js";
import { NAMESPACE_RESOURCE_TYPES, readClusters, readNamespaces } from "./read-clusters.js";
import { readLoadBalancing } from "./read-load-balancer.js";
import { readScaling } from "./read-scaling.js";
import { readSecurityGroups, readVpcCidrs } from "./read-security-groups.js";
import { readServices } from "./read-service.js";
import { readTaskDefinitions } from "./read-task-definition.js";
import { serviceDependencies } from "./service-dependencies.js";
import {
  type CfnTemplate,
  type FileAsset,
  type ImageAsset,
  originOf,
  type ResourceEntry,
} from "./template.js";
import type { Model } from "./types.js";

/** The stack a template belongs to, and the values the template leaves open. */
export interface BuildModelOptions {
  readonly stackName: string;
  /** Docker image assets of the stack by asset hash, from its asset manifest. @default {} */
  readonly imageAssets?: Readonly<Record<string, ImageAsset>>;
  /**
   * File assets of the stack by asset hash, from its asset manifest: an environment file
   * published from one (`EnvironmentFile.fromAsset`) is read from the local file. @default {}
   */
  readonly fileAssets?: Readonly<Record<string, FileAsset>>;
  /** Values for template parameters; others take their defaults. @default {} */
  readonly parameterValues?: Readonly<Record<string, string>>;
}

/** Resource types the model reads; everything else is reported in `notEmulated`. */
const EMULATED_TYPES = new Set([
  "AWS::ECS::Cluster",
  ...NAMESPACE_RESOURCE_TYPES,
  "AWS::ECS::TaskDefinition",
  "AWS::ECS::Service",
  "AWS::ElasticLoadBalancingV2::LoadBalancer",
  "AWS::ElasticLoadBalancingV2::Listener",
  "AWS::ElasticLoadBalancingV2::ListenerRule",
  "AWS::ElasticLoadBalancingV2::TargetGroup",
  "AWS::ApplicationAutoScaling::ScalableTarget",
  "AWS::ApplicationAutoScaling::ScalingPolicy",
  "AWS::CloudWatch::Alarm",
  "AWS::EC2::SecurityGroup",
  "AWS::EC2::SecurityGroupIngress",
  "AWS::EC2::SecurityGroupEgress",
]);

/**
 * Builds the typed model of one stack's template. Pure. Throws a TemplateError naming the CDK
 * construct path when a resource ecs-local runs is malformed.
 */
export function buildModel(template: CfnTemplate, options: BuildModelOptions): Model {
  const ctx = createResolveContext(template, {
    stackName: options.stackName,
    ...(options.parameterValues === undefined ? {} : { parameterValues: options.parameterValues }),
  });
  // Resources whose Condition is false do not exist, as in CloudFormation.
  const entries: ResourceEntry[] = Object.entries(template.Resources ?? {})
    .map(([logicalId, resource]) => ({
      logicalId,
      resource,
      origin: originOf(logicalId, resource),
    }))
    .filter(
      ({ resource, origin }) =>
        resource.Condition === undefined || evaluateCondition(resource.Condition, ctx, origin),
    );

  const { clusters: templateClusters, namespaces } = readClusters(
    entries,
    ctx,
    readNamespaces(entries, ctx),
  );
  const taskDefinitions = readTaskDefinitions(
    entries,
    ctx,
    options.imageAssets ?? {},
    options.fileAssets ?? {},
  );
  const securityGroups = readSecurityGroups(entries, ctx);
  const loadBalancing = readLoadBalancing(entries, ctx);
  const { services, clusters } = readServices(entries, ctx, {
    clusters: templateClusters,
    namespaces,
    taskDefinitions,
    targetGroups: loadBalancing.targetGroups,
    dependsOnServices: serviceDependencies(entries),
  });
  const scaling = readScaling(entries, ctx, {
    services,
    clusters,
    targetGroups: loadBalancing.targetGroups,
  });

  const skipped = new Set([...loadBalancing.skipped, ...scaling.skipped]);
  // A secret or parameter a container reads is emulated: its value comes from the template or
  // the secrets file.
  const readSecrets = new Set(
    taskDefinitions.flatMap((t) =>
      t.containers.flatMap((c) => c.secrets.flatMap((s) => s.reference.definedIn?.logicalId ?? [])),
    ),
  );
  const counts = new Map<string, number>();
  for (const { logicalId, resource } of entries) {
    if (readSecrets.has(logicalId)) continue;
    if (EMULATED_TYPES.has(resource.Type) && !skipped.has(logicalId)) continue;
    counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
  }

  return {
    stackName: options.stackName,
    region: ctx.region,
    accountId: ctx.accountId,
    clusters,
    namespaces,
    taskDefinitions,
    services,
    loadBalancers: loadBalancing.loadBalancers,
    targetGroups: loadBalancing.targetGroups,
    scaling: scaling.scaling,
    securityGroups,
    vpcCidrs: readVpcCidrs(entries, ctx),
    notEmulatedFeatures: scaling.notEmulatedFeatures,
    notEmulated: [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, count]) => ({ type, count })),
  };
}
