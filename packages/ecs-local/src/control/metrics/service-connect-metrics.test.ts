import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import type { StatRow } from "../../proxy/agent-stats.js";
import { model } from "../testing/model-builders.js";
import { ServiceConnectMetrics } from "./service-connect-metrics.js";
import { TrafficWindow } from "./traffic-window.js";

const m = model([{ name: "api", port: 5000 }, { name: "client" }]);
const [api, client] = m.services;

function setup() {
  const registry = new Registry();
  const metrics = new ServiceConnectMetrics({
    registry,
    model: m,
    edge: () => new TrafficWindow(),
    instances: () => 1,
    windowSeconds: 10,
  });
  const value = async (name: string) => {
    const metric = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return metric
      .filter((v) => v.labels.DiscoveryName === "api")
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { metrics, value };
}

/** A client agent's endpoint row for `api`, and its backend row. */
function clientRows(address: string, connect: number, open: Partial<StatRow>): StatRow[] {
  return [
    { pxname: "sc-api", svname: "task-a", addr: address, connect: String(connect), ...open },
    { pxname: "sc-api", svname: "BACKEND", req_tot: "0", bin: "0", bout: "0" },
  ];
}

test("connections a client's agent opens straight to the app on the run network are the target's inbound ones", async () => {
  assert.ok(api && client);
  const { metrics, value } = setup();
  const http = { scur: "1", used_conn_cur: "2", idle_conn_cur: "1" };
  metrics.agentStats("c1", client, clientRows("10.0.1.1:5000", 3, http), Date.now());
  assert.equal(await value("aws_ecs_NewConnectionCount"), 3);
  assert.equal(await value("aws_ecs_ActiveConnectionCount"), 3, "in use and idle: kept ones");
  metrics.agentStats("c1", client, clientRows("10.0.1.1:5000", 5, { scur: "2" }), Date.now());
  assert.equal(await value("aws_ecs_NewConnectionCount"), 5, "what the counter grew by");
  assert.equal(await value("aws_ecs_ActiveConnectionCount"), 2, "TCP: one per session");
});

test("through the target's ingress socket, or to the blackhole, only the ingress listener counts", async () => {
  assert.ok(api && client);
  const { metrics, value } = setup();
  metrics.agentStats("c1", client, clientRows("unix", 4, { scur: "1" }), Date.now());
  metrics.agentStats("c2", client, clientRows("127.254.0.1:5000", 4, { scur: "1" }), Date.now());
  assert.equal(await value("aws_ecs_NewConnectionCount"), 0);
  const ingress = { pxname: "in-api", svname: "FRONTEND", stot: "6", scur: "2" };
  metrics.agentStats("a1", api, [ingress], Date.now());
  assert.equal(await value("aws_ecs_NewConnectionCount"), 6);
  assert.equal(await value("aws_ecs_ActiveConnectionCount"), 2);
});
