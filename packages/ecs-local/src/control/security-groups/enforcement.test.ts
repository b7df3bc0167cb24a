import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import type { SecurityGroup, SecurityGroupRule, Service } from "../../model/types.js";
import { service } from "../testing/model-builders.js";
import { clock } from "../time-scale.js";
import {
  type BlockedConnection,
  CONNECT_TIMEOUT_MS,
  egressBlocks,
  networkPolicy,
  pairKey,
  reportBlocked,
  SecurityGroupGate,
  scaledConnectTimeout,
  serviceConnectConnection,
  targetGroupConnection,
} from "./enforcement.js";

const origin = (logicalId: string) => ({ logicalId, constructPath: `Stack/${logicalId}/Resource` });

const tcpFrom = (port: number, groupId: string): SecurityGroupRule => ({
  origin: origin(`${groupId}To${port}`),
  protocol: "tcp",
  fromPort: port,
  toPort: port,
  peer: { groupId },
});

const group = (logicalId: string, ingress: readonly SecurityGroupRule[]): SecurityGroup => ({
  origin: origin(logicalId),
  description: logicalId,
  ingress,
  egress: [
    {
      origin: origin(`${logicalId}Out`),
      protocol: "-1",
      fromPort: 0,
      toPort: 65535,
      peer: { cidr: "0.0.0.0/0" },
    },
  ],
});

/** A service on `port` with one group; `override` is its Service Connect ingress port. */
function connected(name: string, port: number, groupId: string, override?: number): Service {
  const base = service({ name, port });
  const connect = base.serviceConnect;
  assert.ok(connect);
  const [entry] = connect.services;
  assert.ok(entry);
  return {
    ...base,
    securityGroupIds: [groupId],
    serviceConnect: {
      ...connect,
      services: [
        { ...entry, ...(override === undefined ? {} : { ingressPortOverride: override }) },
      ],
    },
  };
}

// frontend → backend:5000 is allowed; nothing may reach the frontend but the ALB, on 3000
// (its web targets; its admin targets on 3001 are not open);
// the worker listens on 7000 behind an ingress override of 7100, open to the frontend.
const frontend: Service = {
  ...connected("frontend", 3000, "Web"),
  loadBalancers: [
    { targetGroupId: "WebTargets", containerName: "frontend", containerPort: 3000 },
    { targetGroupId: "AdminTargets", containerName: "frontend", containerPort: 3001 },
  ],
};
const backend = connected("backend", 5000, "Api");
const worker = connected("worker", 7000, "Work", 7100);
const clientOnly: Service = { ...service({ name: "client" }), securityGroupIds: ["Api"] };
const model = {
  services: [frontend, backend, worker, clientOnly],
  vpcCidrs: ["10.0.0.0/16"],
  securityGroups: [
    group("Alb", []),
    group("Web", [tcpFrom(3000, "Alb")]),
    group("Api", [tcpFrom(5000, "Web")]),
    group("Work", [tcpFrom(7100, "Web")]),
  ],
};

describe("the Service Connect connection of a discovery name", () => {
  // biome-ignore format: one case to a line
  const cases: [title: string, client: Service, name: string, expected: string | undefined][] = [
    ["to the service that registers it, on its container port", frontend, "backend", "frontend → backend:5000"],
    ["on the ingress override when there is one", frontend, "worker", "frontend → worker:7100"],
    ["from a client-only service", clientOnly, "frontend", "client → frontend:3000"],
    ["to itself", backend, "backend", "backend → backend:5000"],
    ["none for a name nobody registers", frontend, "nobody", undefined],
  ];
  for (const [title, client, name, expected] of cases) {
    it(title, () => {
      const connection = serviceConnectConnection(model.services, client, name);
      assert.equal(connection && pairKey(connection), expected);
    });
  }
});

describe("what a run's gate blocks", () => {
  const gate = new SecurityGroupGate(model, () => {});
  // biome-ignore format: one case to a line
  const cases: [client: Service, name: string, blocked: boolean][] = [
    [frontend, "backend", false],
    [frontend, "worker", false],
    [backend, "frontend", true],
    [backend, "backend", true],
    [clientOnly, "backend", true],
    [worker, "backend", true],
    [frontend, "nobody", false],
  ];
  for (const [client, name, blocked] of cases) {
    it(`${client.name} → ${name}: ${blocked ? "blocked" : "allowed"}`, () => {
      assert.equal(gate.serviceConnect(client, name) !== undefined, blocked);
    });
  }

  it("judges a load balancer → the targets of a group, on the port the service registers", () => {
    const lb = { name: "Stack/Lb", securityGroupIds: ["Alb"] };
    assert.equal(gate.loadBalancerTargets(lb, "WebTargets"), undefined);
    assert.equal(gate.loadBalancerTargets(lb, "NobodysTargets"), undefined);
    const blocked = gate.loadBalancerTargets(lb, "AdminTargets");
    assert.equal(blocked && pairKey(blocked), "Stack/Lb → frontend:3001");
    assert.match(
      blocked?.verdict.message ?? "",
      /^security groups block Stack\/Lb → frontend on tcp\/3001: no ingress rule of Web \(Stack\/Web\/Resource\)/,
    );
  });
});

describe("who may connect to a task's port on the run network", () => {
  const allows = networkPolicy(model);
  // biome-ignore format: one case to a line
  const cases: [from: string, to: string, port: number, allowed: boolean][] = [
    ["frontend", "backend", 5000, true],
    ["backend", "frontend", 3000, false],
    ["backend", "backend", 5000, false],
    ["frontend", "worker", 7000, true], // judged on its Service Connect override, 7100
    ["backend", "worker", 7000, false],
    ["nobody", "backend", 5000, true], // a service the model does not have is not judged
  ];
  for (const [from, to, port, allowed] of cases) {
    it(`${from} → ${to}:${port}: ${allowed ? "admitted" : "dropped"}`, () => {
      assert.equal(allows(from, to, port), allowed);
    });
  }
});

describe("the load balancer connection of a target group", () => {
  const lb = { name: "Stack/Lb", securityGroupIds: ["Alb"] };
  // biome-ignore format: one case to a line
  const cases: [group: string, expected: string | undefined][] = [
    ["WebTargets", "Stack/Lb → frontend:3000"],
    ["AdminTargets", "Stack/Lb → frontend:3001"],
    ["NobodysTargets", undefined],
  ];
  for (const [group, expected] of cases) {
    it(`${group}: ${expected ?? "none"}`, () => {
      const connection = targetGroupConnection(model.services, lb, group);
      assert.equal(connection && pairKey(connection), expected);
    });
  }
});

describe("telling of blocked pairs", () => {
  it("tells each pair once, the first time it is attempted, however many tasks try it", () => {
    const told: string[] = [];
    const gate = new SecurityGroupGate(model, (b) => told.push(pairKey(b)));
    const toFrontend = gate.serviceConnect(backend, "frontend");
    const toSelf = gate.serviceConnect(backend, "backend");
    assert.ok(toFrontend && toSelf);
    assert.deepEqual(told, [], "judging is not telling");
    gate.attempted(toFrontend);
    gate.attempted(toFrontend);
    gate.attempted(gate.serviceConnect(backend, "frontend") as BlockedConnection);
    gate.attempted(toSelf);
    assert.deepEqual(told, ["backend → frontend:3000", "backend → backend:5000"]);
  });

  it("warns with the message and its parts, and puts the message in the run's output", () => {
    const records: Record<string, unknown>[] = [];
    const logger = pino(
      { base: null, timestamp: false },
      {
        write: (line: string) => records.push(JSON.parse(line)),
      },
    );
    const lines: string[] = [];
    const gate = new SecurityGroupGate(
      model,
      reportBlocked(logger, (l) => lines.push(l)),
    );
    const blocked = gate.serviceConnect(backend, "frontend");
    assert.ok(blocked);
    gate.attempted(blocked);
    const message =
      "security groups block backend → frontend on tcp/3000: no ingress rule of Web (Stack/Web/Resource) allows it from Api or from a CIDR covering 10.0.0.0/16; if backend should reach frontend, add one in the CDK app (connections.allowFrom).";
    assert.deepEqual(records, [
      {
        level: 40,
        from: "backend",
        to: "frontend",
        port: 3000,
        direction: "ingress",
        missingRuleOn: ["Stack/Web/Resource"],
        msg: message,
      },
    ]);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /^\d{4}-\d\d-\d\dT\S+ /);
    assert.ok(lines[0]?.endsWith(` ${message}`));
  });
});

describe("a task's blocked egress", () => {
  it("lists the blocked names with their ports and the scaled connect timeout", () => {
    const told: string[] = [];
    const gate = new SecurityGroupGate(model, (b) => told.push(pairKey(b)));
    const blocks = egressBlocks(
      gate,
      backend,
      ["frontend", "backend", "frontend", "worker"],
      clock(10),
    );
    assert.deepEqual(blocks.config, {
      ports: new Map([
        ["frontend", 3000],
        ["backend", 5000],
        ["worker", 7100],
      ]),
      connectTimeoutMs: 500,
    });
    blocks.attempted("worker");
    blocks.attempted("nobody");
    assert.deepEqual(told, ["backend → worker:7100"]);
  });

  it("is nothing when every name is allowed, or when no gate enforces groups", () => {
    const gate = new SecurityGroupGate(model, () => {});
    assert.equal(egressBlocks(gate, frontend, ["backend", "worker"], clock(10)).config, undefined);
    assert.equal(egressBlocks(undefined, backend, ["frontend"], clock(10)).config, undefined);
  });
});

describe("connect timeouts in the run's time", () => {
  // biome-ignore format: one case to a line
  const cases: [timeScale: number, awsMs: number, expected: number][] = [
    [1, CONNECT_TIMEOUT_MS.serviceConnect, 5_000],
    [10, CONNECT_TIMEOUT_MS.serviceConnect, 500],
    [10, CONNECT_TIMEOUT_MS.loadBalancer, 1_000],
    [100, CONNECT_TIMEOUT_MS.serviceConnect, 200],
    [1000, CONNECT_TIMEOUT_MS.loadBalancer, 200],
  ];
  for (const [timeScale, awsMs, expected] of cases) {
    it(`${awsMs} ms at --time-scale ${timeScale} is ${expected} ms`, () => {
      assert.equal(scaledConnectTimeout(clock(timeScale), awsMs), expected);
    });
  }
});
