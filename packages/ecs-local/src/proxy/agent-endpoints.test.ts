import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type AgentServers,
  applyStep,
  endpointChanges,
  endpointSteps,
  stepSucceeded,
} from "./agent-endpoints.js";

const have: AgentServers = new Map([
  [
    "sc-backend",
    new Map([
      ["task-b1", "/run/b1/api.sock"],
      ["task-b2", "/run/b2/api.sock"],
    ]),
  ],
]);

test("the changes turn the servers the agent has into Cloud Map's endpoints", () => {
  const want = new Map([
    [
      "backend",
      [
        { taskId: "b2", address: "/run/b2/api.sock" },
        { taskId: "b3", address: "/run/b3/api.sock" },
      ],
    ],
    ["cache", [{ taskId: "c1", address: "/run/c1/redis.sock" }]],
    ["unused", [{ taskId: "u1", address: "/run/u1/x.sock" }]],
  ]);
  const changes = endpointChanges(have, ["backend", "cache", "backend"], want);
  assert.deepEqual(changes, {
    add: [
      { backend: "sc-backend", server: "task-b3", address: "/run/b3/api.sock" },
      { backend: "sc-cache", server: "task-c1", address: "/run/c1/redis.sock" },
    ],
    remove: [{ backend: "sc-backend", server: "task-b1" }],
  });
  assert.deepEqual(endpointChanges(have, ["backend"], new Map([["backend", []]])).remove, [
    { backend: "sc-backend", server: "task-b1" },
    { backend: "sc-backend", server: "task-b2" },
  ]);
});

test("a new server is added, its checks and itself enabled; a leaving one goes to maintenance, then is deleted", () => {
  const steps = endpointSteps(
    {
      add: [{ backend: "sc-backend", server: "task-b3", address: "/run/b3/api.sock" }],
      remove: [{ backend: "sc-backend", server: "task-b1" }],
    },
    (backend, path) => `unix@..${path.slice(4)} check # ${backend}`,
  );
  assert.deepEqual(
    steps.map((s) => s.command),
    [
      "add server sc-backend/task-b3 unix@../b3/api.sock check # sc-backend",
      "enable health sc-backend/task-b3",
      "enable server sc-backend/task-b3",
      "set server sc-backend/task-b1 state maint",
      "del server sc-backend/task-b1",
    ],
  );
});

test("a server of a backend without checks (a blocked one) is enabled, its checks are not", () => {
  const steps = endpointSteps(
    {
      add: [
        { backend: "sc-open", server: "task-o1", address: "/run/o1/web.sock" },
        { backend: "sc-blocked", server: "task-x1", address: "/run/x1/web.sock" },
      ],
      remove: [],
    },
    (backend, path) => (backend === "sc-blocked" ? "127.254.0.1:3000" : `unix@${path} check`),
    (backend) => backend !== "sc-blocked",
  );
  assert.deepEqual(
    steps.map((s) => s.command),
    [
      "add server sc-open/task-o1 unix@/run/o1/web.sock check",
      "enable health sc-open/task-o1",
      "enable server sc-open/task-o1",
      "add server sc-blocked/task-x1 127.254.0.1:3000",
      "enable server sc-blocked/task-x1",
    ],
  );
});

test("only a confirmed add or delete changes what the agent is known to have", () => {
  const [add, health, enable, maint, del] = endpointSteps(
    {
      add: [{ backend: "sc-backend", server: "task-b3", address: "/run/b3/api.sock" }],
      remove: [{ backend: "sc-backend", server: "task-b1" }],
    },
    (_backend, path) => `unix@${path}`,
  );
  assert.ok(add && health && enable && maint && del);
  assert.equal(stepSucceeded(health, "\n"), true);
  assert.equal(stepSucceeded(add, "New server registered.\n\n"), true);
  assert.equal(
    stepSucceeded(add, "Already exists a server with the same name in backend.\n"),
    false,
  );
  assert.equal(stepSucceeded(enable, "\n"), true);
  assert.equal(stepSucceeded(maint, "No such server.\n"), false);
  assert.equal(stepSucceeded(del, "Server deleted.\n"), true);
  assert.equal(
    stepSucceeded(del, "Server still has connections attached to it, cannot remove it.\n"),
    false,
  );

  const added = applyStep(have, add);
  assert.deepEqual([...(added.get("sc-backend")?.keys() ?? [])], ["task-b1", "task-b2", "task-b3"]);
  assert.equal(applyStep(added, enable), added, "enabling changes no membership");
  const removed = applyStep(added, del);
  assert.deepEqual([...(removed.get("sc-backend")?.keys() ?? [])], ["task-b2", "task-b3"]);
  assert.equal(have.get("sc-backend")?.size, 2, "the input is not changed");
});
