// The model of the real CDK app in app/infra, synthesized with the real CDK toolchain.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { pickStack, readCloudAssembly } from "../assembly/cloud-assembly.js";
import { synthesize } from "../assembly/synthesize.js";
import {
  type ConnectionEnd,
  evaluateTcpConnection,
  loadBalancerEnd,
  serviceEnd,
} from "../control/security-groups/reachability.js";
import { buildModel } from "./build-model.js";
import type { Model, SecurityGroupRule, Service } from "./types.js";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..", "..");
const appDir = join(repoRoot, "app", "infra");

describe("buildModel on app/infra", { timeout: 180_000 }, () => {
  let outDir = "";
  let model: Model;

  before(async () => {
    outDir = await mkdtemp(join(tmpdir(), "ecs-local-synth-"));
    await synthesize({ appDir, outDir });
    const stack = pickStack(readCloudAssembly(outDir));
    model = buildModel(stack.template, {
      stackName: stack.stackName,
      imageAssets: stack.imageAssets,
    });
  });
  after(async () => {
    if (outDir !== "") await rm(outDir, { recursive: true, force: true });
  });

  const service = (name: string): Service => {
    const found = model.services.find((s) => s.name === name);
    assert.ok(found, `no service ${name} in ${model.services.map((s) => s.name).join(", ")}`);
    return found;
  };
  const groupIdOf = (pathPart: string): string => {
    const found = model.securityGroups.find((g) =>
      g.origin.constructPath.includes(`/${pathPart}/`),
    );
    assert.ok(found, `no security group ${pathPart}`);
    return found.origin.logicalId;
  };

  it("has the two services in the Service Connect namespace local", () => {
    assert.deepEqual(model.services.map((s) => s.name).sort(), [
      "backend-service",
      "frontend-service",
    ]);
    assert.deepEqual(
      model.namespaces.map((n) => [n.name, n.type]),
      [["local", "DNS_PRIVATE"]],
    );
    for (const [name, alias, port] of [
      ["backend-service", "backend-container.local", 5000],
      ["frontend-service", "frontend-container.local", 3000],
    ] as const) {
      const connect = service(name).serviceConnect;
      assert.equal(connect?.namespaceName, "local");
      assert.deepEqual(connect?.services[0]?.clientAliases, [{ dnsName: alias, port }]);
      assert.equal(connect?.services[0]?.appProtocol, "http");
      assert.equal(connect?.services[0]?.containerPort, port);
      assert.equal(connect?.services[0]?.perRequestTimeoutMs, 15_000);
      assert.equal(connect?.services[0]?.idleTimeoutMs, 300_000);
    }
  });

  it("starts the frontend after the backend", () => {
    assert.deepEqual(service("frontend-service").dependsOnServices, [
      service("backend-service").origin.logicalId,
    ]);
    assert.deepEqual(service("backend-service").dependsOnServices, []);
  });

  it("routes ALB :80 to the frontend container's target group", () => {
    const [balancer] = model.loadBalancers;
    assert.equal(balancer?.scheme, "internet-facing");
    const listener = balancer?.listeners.find((l) => l.port === 80);
    assert.equal(listener?.protocol, "HTTP");
    const group = model.targetGroups.find(
      (g) => g.origin.logicalId === listener?.defaultTargetGroupId,
    );
    assert.ok(group);
    assert.equal(group.port, 3000);
    assert.equal(group.targetType, "ip");
    assert.deepEqual(group.healthCheck, {
      path: "/",
      matcher: "200",
      intervalMs: 30_000,
      timeoutMs: 5_000,
      healthyThreshold: 5,
      unhealthyThreshold: 2,
    });
    assert.equal(group.deregistrationDelayMs, 300_000);
    assert.deepEqual(service("frontend-service").loadBalancers, [
      { targetGroupId: group.origin.logicalId, containerName: "frontend", containerPort: 3000 },
    ]);
  });

  it("scales each service 1..5 on memory at 20 % with 60 s cooldowns", () => {
    assert.equal(model.scaling.length, 2);
    for (const name of ["backend-service", "frontend-service"]) {
      const target = model.scaling.find((t) => t.serviceId === service(name).origin.logicalId);
      assert.ok(target, `no scalable target for ${name}`);
      assert.equal(target.minCapacity, 1);
      assert.equal(target.maxCapacity, 5);
      assert.equal(target.resourceId, `service/ecs-web-app-cluster/${name}`);
      assert.deepEqual(
        target.policies.map(({ origin: _origin, name: _name, ...policy }) => policy),
        [
          {
            kind: "TargetTracking",
            metric: "ECSServiceAverageMemoryUtilization",
            targetValue: 20,
            scaleInCooldownMs: 60_000,
            scaleOutCooldownMs: 60_000,
            disableScaleIn: false,
          },
        ],
      );
    }
  });

  it("has the security group rules of the walk-through", () => {
    const alb = groupIdOf("AlbSecurityGroup");
    const frontend = groupIdOf("FrontendSecurityGroup");
    const backend = groupIdOf("BackendSecurityGroup");
    const rulesOf = (id: string, direction: "ingress" | "egress") =>
      model.securityGroups.find((g) => g.origin.logicalId === id)?.[direction] ?? [];
    const withoutOrigins = (rules: readonly SecurityGroupRule[]) =>
      rules.map(({ origin: _origin, ...rule }) => rule);
    const pathsOf = (rules: readonly SecurityGroupRule[]) =>
      rules.map((rule) => rule.origin.constructPath);
    // A standalone rule's construct path ends in the peer's hashed logical ID.
    const standalone = (group: string, peer: string, port: number) =>
      new RegExp(
        `^EcsServiceConnectStack/${group}/(from|to) EcsServiceConnectStack${peer}[0-9A-F]{8}:${port}$`,
      );
    const groupPath = (group: string) => `EcsServiceConnectStack/${group}/Resource`;

    assert.deepEqual(withoutOrigins(rulesOf(alb, "ingress")), [
      { protocol: "tcp", fromPort: 80, toPort: 80, peer: { cidr: "0.0.0.0/0" } },
    ]);
    assert.deepEqual(pathsOf(rulesOf(alb, "ingress")), [groupPath("AlbSecurityGroup")]);
    assert.deepEqual(withoutOrigins(rulesOf(frontend, "ingress")), [
      { protocol: "tcp", fromPort: 3000, toPort: 3000, peer: { groupId: alb } },
    ]);
    assert.match(
      pathsOf(rulesOf(frontend, "ingress")).join(),
      standalone("FrontendSecurityGroup", "AlbSecurityGroup", 3000),
    );
    assert.deepEqual(withoutOrigins(rulesOf(backend, "ingress")), [
      { protocol: "tcp", fromPort: 5000, toPort: 5000, peer: { groupId: frontend } },
    ]);
    assert.match(
      pathsOf(rulesOf(backend, "ingress")).join(),
      standalone("BackendSecurityGroup", "FrontendSecurityGroup", 5000),
    );
    // allowAllOutbound: false, yet CDK drops its placeholder egress rule once the listener
    // adds a standalone one, so the group has no inline egress and AWS's allow-all stays.
    const albEgress = rulesOf(alb, "egress");
    assert.deepEqual(withoutOrigins(albEgress), [
      { protocol: "-1", fromPort: 0, toPort: 65535, peer: { cidr: "0.0.0.0/0" } },
      { protocol: "tcp", fromPort: 3000, toPort: 3000, peer: { groupId: frontend } },
    ]);
    const [defaultEgressPath, targetEgressPath] = pathsOf(albEgress);
    assert.equal(defaultEgressPath, groupPath("AlbSecurityGroup"));
    assert.match(
      targetEgressPath ?? "",
      standalone("AlbSecurityGroup", "FrontendSecurityGroup", 3000),
    );
    assert.deepEqual(service("frontend-service").securityGroupIds, [frontend]);
    assert.deepEqual(service("backend-service").securityGroupIds, [backend]);
    assert.deepEqual(model.loadBalancers[0]?.securityGroupIds, [alb]);
  });

  it("knows the VPC's range", () => {
    assert.deepEqual(model.vpcCidrs, ["10.0.0.0/16"]);
  });

  it("lets the ALB reach the frontend and the frontend the backend, and no other way", () => {
    const [balancer] = model.loadBalancers;
    assert.ok(balancer);
    const frontend = serviceEnd(service("frontend-service"));
    const backend = serviceEnd(service("backend-service"));
    const alb = loadBalancerEnd(balancer);
    const verdict = (from: ConnectionEnd, to: ConnectionEnd, port: number) =>
      evaluateTcpConnection(model, { from, to, port });
    assert.deepEqual(verdict(alb, frontend, 3000), { allowed: true });
    assert.deepEqual(verdict(frontend, backend, 5000), { allowed: true });

    const backToFront = verdict(backend, frontend, 3000);
    assert.equal(backToFront.allowed, false);
    if (backToFront.allowed) return;
    assert.equal(backToFront.direction, "ingress");
    assert.deepEqual(backToFront.missing, {
      groupIds: [groupIdOf("FrontendSecurityGroup")],
      constructPaths: ["EcsServiceConnectStack/FrontendSecurityGroup/Resource"],
    });
    assert.equal(
      backToFront.message,
      `security groups block backend-service → frontend-service on tcp/3000: no ingress rule of ${groupIdOf("FrontendSecurityGroup")} (EcsServiceConnectStack/FrontendSecurityGroup/Resource) allows it from ${groupIdOf("BackendSecurityGroup")} or from a CIDR covering 10.0.0.0/16; if backend-service should reach frontend-service, add one in the CDK app (connections.allowFrom).`,
    );
    // The ALB's egress is open (see above), but only the frontend lets it in.
    assert.equal(verdict(alb, backend, 5000).allowed, false);
    assert.equal(verdict(frontend, backend, 3000).allowed, false);
  });

  it("builds the images from the app folders", () => {
    const images = Object.fromEntries(
      model.taskDefinitions.flatMap((t) => t.containers.map((c) => [c.name, c.image])),
    );
    for (const name of ["backend", "frontend"]) {
      const image = images[name];
      assert.equal(image?.kind, "asset");
      if (image?.kind !== "asset") return;
      assert.match(image.assetHash, /^[0-9a-f]{64}$/);
      assert.equal(image.directory, join(repoRoot, "app", name));
      assert.equal(image.dockerfile, "Dockerfile");
    }
  });

  it("keeps the container health checks in milliseconds", () => {
    const backend = model.taskDefinitions
      .flatMap((t) => t.containers)
      .find((c) => c.name === "backend");
    assert.deepEqual(backend?.healthCheck, {
      command: ["CMD-SHELL", "curl -f http://localhost:5000/healthcheck || exit 1"],
      intervalMs: 30_000,
      timeoutMs: 5_000,
      retries: 3,
      startPeriodMs: 10_000,
    });
    assert.equal(backend?.stopTimeoutSeconds, 30);
  });

  it("lists what it does not emulate", () => {
    const types = model.notEmulated.map((entry) => entry.type);
    assert.ok(types.includes("AWS::EC2::VPC"));
    assert.ok(types.includes("AWS::IAM::Role"));
    assert.ok(types.includes("AWS::CDK::Metadata"));
    assert.ok(!types.includes("AWS::ECS::Service"));
  });
});
