// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Fn::Sub bodies, whose ${…} is CloudFormation syntax
// Hand-written templates for the cases the real app does not exercise, chiefly the errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TemplateError } from "../errors.js";
import { buildModel } from "./build-model.js";
import type { CfnResource, CfnTemplate } from "./template.js";

const path = (id: string) => ({ "aws:cdk:path": `Test/${id}/Resource` });

/** A cluster with a default namespace, one task definition and one Service Connect service. */
function baseResources(): Record<string, CfnResource> {
  return {
    Ns: {
      Type: "AWS::ServiceDiscovery::HttpNamespace",
      Properties: { Name: "internal" },
      Metadata: path("Ns"),
    },
    Cluster: {
      Type: "AWS::ECS::Cluster",
      Properties: { ServiceConnectDefaults: { Namespace: { "Fn::GetAtt": ["Ns", "Arn"] } } },
      Metadata: path("Cluster"),
    },
    ApiTask: {
      Type: "AWS::ECS::TaskDefinition",
      Properties: {
        ContainerDefinitions: [
          {
            Name: "api",
            Image: "public.ecr.aws/docker/library/node:20",
            PortMappings: [{ Name: "api", ContainerPort: 8080 }],
            Environment: [{ Name: "STAGE", Value: { "Fn::Sub": "${AWS::StackName}-x" } }],
            HealthCheck: { Command: ["CMD", "true"] },
          },
        ],
      },
      Metadata: path("ApiTask"),
    },
    ApiService: {
      Type: "AWS::ECS::Service",
      Properties: {
        Cluster: { Ref: "Cluster" },
        TaskDefinition: { Ref: "ApiTask" },
        ServiceConnectConfiguration: { Enabled: true, Services: [{ PortName: "api" }] },
      },
      Metadata: path("ApiService"),
    },
  };
}

function build(resources: Record<string, CfnResource>, extra: Partial<CfnTemplate> = {}) {
  return buildModel({ ...extra, Resources: resources }, { stackName: "Test" });
}

function withService(
  resources: Record<string, CfnResource>,
  id: string,
  properties: Record<string, unknown>,
) {
  const base = resources[id];
  assert.ok(base);
  return { ...resources, [id]: { ...base, Properties: { ...base.Properties, ...properties } } };
}

/** Asserts a TemplateError naming `constructPath` whose message contains every part. */
function assertTemplateError(fn: () => unknown, constructPath: string, ...parts: RegExp[]) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TemplateError, String(error));
    assert.equal(error.constructPath, constructPath);
    assert.ok(error.message.startsWith(constructPath), error.message);
    for (const part of parts) assert.match(error.message, part);
    return true;
  });
}

describe("buildModel defaults", () => {
  it("fills in Service Connect and ECS defaults", () => {
    const model = build(baseResources());
    const [service] = model.services;
    assert.deepEqual(service?.serviceConnect, {
      namespaceId: "Ns",
      namespaceName: "internal",
      services: [
        {
          portName: "api",
          discoveryName: "api",
          containerPort: 8080,
          clientAliases: [{ dnsName: "api.internal", port: 8080 }],
          perRequestTimeoutMs: 15_000,
          // No appProtocol: TCP, whose idle timeout is an hour.
          idleTimeoutMs: 3_600_000,
        },
      ],
    });
    assert.equal(service?.name, "ApiService");
    assert.equal(service?.desiredCount, 1);
    assert.deepEqual(service?.deployment, {
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      circuitBreaker: { enable: false, rollback: false },
    });
    const [container] = model.taskDefinitions[0]?.containers ?? [];
    assert.deepEqual(container?.image, {
      kind: "registry",
      name: "public.ecr.aws/docker/library/node:20",
    });
    assert.deepEqual(container?.environment, { STAGE: "Test-x" });
    assert.deepEqual(container?.healthCheck, {
      command: ["CMD", "true"],
      intervalMs: 30_000,
      timeoutMs: 5_000,
      retries: 3,
      startPeriodMs: 0,
    });
    assert.equal(container?.essential, true);
    assert.equal(container?.stopTimeoutSeconds, 30);
    assert.equal(model.namespaces[0]?.type, "HTTP");
    assert.deepEqual(model.notEmulated, []);
  });

  it("takes explicit aliases, discovery names, timeouts and a namespace given by name", () => {
    const resources = withService(baseResources(), "ApiService", {
      ServiceConnectConfiguration: {
        Enabled: true,
        Namespace: "internal",
        Services: [
          {
            PortName: "api",
            DiscoveryName: "api-v1",
            ClientAliases: [{ DnsName: "api.example", Port: 80 }],
            Timeout: { PerRequestTimeoutSeconds: 0, IdleTimeoutSeconds: 10 },
          },
        ],
      },
    });
    const connect = build(resources).services[0]?.serviceConnect;
    assert.equal(connect?.services[0]?.discoveryName, "api-v1");
    assert.deepEqual(connect?.services[0]?.clientAliases, [{ dnsName: "api.example", port: 80 }]);
    assert.equal(connect?.services[0]?.perRequestTimeoutMs, 0);
    assert.equal(connect?.services[0]?.idleTimeoutMs, 10_000);
  });

  it("matches image assets by hash and drops resources whose condition is false", () => {
    const hash = "a".repeat(64);
    const resources = baseResources();
    const task = resources.ApiTask?.Properties?.ContainerDefinitions as Record<string, unknown>[];
    task[0] = {
      ...task[0],
      Image: {
        "Fn::Sub": `\${AWS::AccountId}.dkr.ecr.\${AWS::Region}.\${AWS::URLSuffix}/cdk-hnb659fds-container-assets-\${AWS::AccountId}-\${AWS::Region}:${hash}`,
      },
    };
    resources.Extra = { Type: "AWS::SQS::Queue", Condition: "Never" };
    const model = buildModel(
      { Conditions: { Never: { "Fn::Equals": ["a", "b"] } }, Resources: resources },
      {
        stackName: "Test",
        imageAssets: {
          [hash]: {
            directory: "/src/api",
            dockerFile: "Dockerfile.dev",
            dockerBuildArgs: { A: "1" },
          },
        },
      },
    );
    assert.deepEqual(model.taskDefinitions[0]?.containers[0]?.image, {
      kind: "asset",
      assetHash: hash,
      directory: "/src/api",
      dockerfile: "Dockerfile.dev",
      buildArgs: { A: "1" },
    });
    assert.deepEqual(model.notEmulated, []);
  });

  it("collects dependencies through other resources", () => {
    const resources = baseResources();
    resources.WorkerService = { ...resources.ApiService, DependsOn: "Middle" } as CfnResource;
    resources.Middle = { Type: "AWS::IAM::Policy", DependsOn: ["ApiService"] };
    const model = build(resources);
    assert.deepEqual(
      model.services.find((s) => s.origin.logicalId === "WorkerService")?.dependsOnServices,
      ["ApiService"],
    );
    assert.deepEqual(model.notEmulated, [{ type: "AWS::IAM::Policy", count: 1 }]);
  });
});

describe("buildModel errors", () => {
  it("names the port mappings that exist when the port name is unknown", () => {
    const resources = withService(baseResources(), "ApiService", {
      ServiceConnectConfiguration: { Enabled: true, Services: [{ PortName: "http" }] },
    });
    assertTemplateError(
      () => build(resources),
      "Test/ApiService/Resource",
      /PortName is "http"/,
      /named: "api"/,
      /Set portMappingName to one of those names/,
    );
  });

  it("points at a port mapping without a name", () => {
    const resources = baseResources();
    const containers = resources.ApiTask?.Properties?.ContainerDefinitions as Record<
      string,
      unknown
    >[];
    containers[0] = { ...containers[0], PortMappings: [{ ContainerPort: 8080 }] };
    assertTemplateError(
      () => build(resources),
      "Test/ApiService/Resource",
      /container "api" port 8080 have no name/,
      /Name the port mapping: portMappings: \[\{ name: "api", containerPort: 8080 \}\]/,
    );
  });

  it("rejects an unknown namespace", () => {
    const resources = withService(baseResources(), "ApiService", {
      ServiceConnectConfiguration: {
        Enabled: true,
        Namespace: "elsewhere",
        Services: [{ PortName: "api" }],
      },
    });
    assertTemplateError(
      () => build(resources),
      "Test/ApiService/Resource",
      /"elsewhere" is not a Cloud Map namespace of this stack \(namespaces: "internal"\)/,
      /Use a namespace defined in this stack/,
    );
  });

  it("rejects Service Connect without a namespace when the cluster has no default", () => {
    const resources = baseResources();
    resources.Cluster = { Type: "AWS::ECS::Cluster", Properties: {}, Metadata: path("Cluster") };
    assertTemplateError(
      () => build(resources),
      "Test/ApiService/Resource",
      /cluster Test\/Cluster\/Resource has no default namespace/,
      /addDefaultCloudMapNamespace/,
    );
  });

  it("rejects a service whose task definition is missing", () => {
    const resources = withService(baseResources(), "ApiService", {
      TaskDefinition: "arn:aws:ecs:us-east-1:1:task-definition/x:1",
    });
    assertTemplateError(
      () => build(resources),
      "Test/ApiService/Resource",
      /not a task definition of this stack/,
      /Define the task definition in the same stack/,
    );
  });

  it("rejects a DependsOn cycle between services, naming both", () => {
    const resources = baseResources();
    resources.ApiService = { ...resources.ApiService, DependsOn: ["Glue"] } as CfnResource;
    resources.Glue = { Type: "AWS::IAM::Policy", DependsOn: "WorkerService" };
    resources.WorkerService = {
      ...resources.ApiService,
      DependsOn: ["ApiService"],
      Metadata: path("WorkerService"),
    } as CfnResource;
    assertTemplateError(
      () => build(resources),
      "Test/ApiService/Resource",
      /and Test\/WorkerService\/Resource depend on each other/,
      /Test\/ApiService\/Resource → Glue → Test\/WorkerService\/Resource → Test\/ApiService\/Resource/,
      /Remove one of the node.addDependency/,
    );
  });

  it("rejects a load balancer target the task definition does not have", () => {
    const resources = withService(baseResources(), "ApiService", {
      LoadBalancers: [{ TargetGroupArn: { Ref: "Tg" }, ContainerName: "api", ContainerPort: 9999 }],
    });
    resources.Tg = {
      Type: "AWS::ElasticLoadBalancingV2::TargetGroup",
      Properties: { Port: 80, Protocol: "HTTP", TargetType: "ip" },
    };
    assertTemplateError(
      () => build(resources),
      "Test/ApiService/Resource",
      /targets port 9999 of container "api", which maps no such port \(it maps: 8080\)/,
      /Add a port mapping for 9999/,
    );
    const wrongName = withService(resources, "ApiService", {
      LoadBalancers: [{ TargetGroupArn: { Ref: "Tg" }, ContainerName: "web", ContainerPort: 8080 }],
    });
    assertTemplateError(
      () => build(wrongName),
      "Test/ApiService/Resource",
      /container "web"/,
      /it has: api/,
    );
  });

  it("reports an Fn::ImportValue only where a read property uses it", () => {
    // Subnets are not read, so an import there is harmless; the image is read, so it is not.
    const harmless = withService(baseResources(), "ApiService", {
      NetworkConfiguration: {
        AwsvpcConfiguration: { Subnets: [{ "Fn::ImportValue": "Shared-Subnet" }] },
      },
    });
    assert.equal(build(harmless).services.length, 1);
    const resources = baseResources();
    const containers = resources.ApiTask?.Properties?.ContainerDefinitions as Record<
      string,
      unknown
    >[];
    containers[0] = { ...containers[0], Image: { "Fn::ImportValue": "Shared-Image" } };
    assertTemplateError(
      () => build(resources),
      "Test/ApiTask/Resource",
      /Fn::ImportValue "Shared-Image"/,
      /parameter with a default/,
    );
  });
});
