import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { findTool } from "../sandbox/host-tools.js";
import { runProcess } from "../sandbox/run-process.js";
import { type AgentConfig, agentPorts, renderAgentConfig, serverLine } from "./agent-config.js";

const config: AgentConfig = {
  taskId: "f1",
  dir: "/run/f1",
  ingress: [{ portName: "web", containerPort: 3000, socketPath: "/run/f1/web.sock" }],
  egress: [
    {
      address: "127.255.0.1",
      port: 5000,
      discoveryName: "backend",
      protocol: "http",
      perRequestTimeoutMs: 15_000,
      idleTimeoutMs: 300_000,
    },
    {
      address: "127.255.0.2",
      port: 5000,
      discoveryName: "backend",
      protocol: "http",
      perRequestTimeoutMs: 0,
      idleTimeoutMs: 0,
    },
    {
      address: "127.255.0.3",
      port: 6379,
      discoveryName: "cache",
      protocol: "tcp",
      perRequestTimeoutMs: 0,
      idleTimeoutMs: 3_600_000,
    },
  ],
  metadataSocket: "/run/f1/metadata.sock",
  adminSocket: "/run/f1/agent.sock",
  drainMs: 20_000,
  outlier: { consecutive5xx: 5, ejectionMs: 3_000 },
};
const endpoints = new Map([
  [
    "backend",
    [
      { taskId: "b1", address: "/run/b1/api.sock" },
      { taskId: "b2", address: "/run/b2/api.sock" },
    ],
  ],
]);

/** The lines of one section (`frontend x`, `backend y`), up to the blank line that ends it. */
function section(text: string, header: string): string {
  const start = text.indexOf(`\n${header}\n`);
  assert.ok(start >= 0, `no section "${header}" in:\n${text}`);
  const end = text.indexOf("\n\n", start + 1);
  return text.slice(start + 1, end < 0 ? undefined : end);
}

test("the agent's ports start at 15000 and step over the containers' ports", () => {
  assert.deepEqual(agentPorts(config, [3000]), {
    metadata: 15_000,
    egress: [15_001, 15_002, 15_003],
    outlierClock: 15_004,
  });
  assert.deepEqual(agentPorts(config, [15_000, 15_002]), {
    metadata: 15_001,
    egress: [15_003, 15_004, 15_005],
    outlierClock: 15_006,
  });
});

test("each alias gets a listener; a discovery name gets one backend with its endpoints", () => {
  const text = renderAgentConfig(config, agentPorts(config, [3000]), endpoints);
  assert.match(text, /frontend in-web\n {4}mode tcp\n {4}bind unix@web\.sock mode 666/);
  assert.match(text, /server app 127\.0\.0\.1:3000/);
  assert.match(
    text,
    /frontend out-127\.255\.0\.1-5000\n {4}mode http\n {4}bind 127\.0\.0\.1:15001/,
  );
  assert.match(text, /frontend out-127\.255\.0\.3-6379\n {4}mode tcp\n {4}bind 127\.0\.0\.1:15003/);
  assert.equal(text.match(/^backend sc-backend$/gm)?.length, 1, "two aliases, one backend");
  assert.match(text, /server task-b1 unix@\.\.\/b1\/api\.sock .*\n {4}server task-b2 unix@/);
  assert.match(text, /backend sc-cache\n {4}mode tcp/);
  assert.doesNotMatch(section(text, "backend sc-cache"), /^ *server /m, "no endpoint of cache");
});

test("Service Connect's timeouts become haproxy's, and 0 means none (a day)", () => {
  const text = renderAgentConfig(config, agentPorts(config, []), endpoints);
  assert.match(section(text, "backend sc-backend"), /timeout server 15000ms/, "per request");
  assert.match(section(text, "frontend out-127.255.0.1-5000"), /timeout client 300000ms/);
  assert.match(section(text, "frontend out-127.255.0.2-5000"), /timeout client 1d/, "0: none");
  assert.match(section(text, "backend sc-cache"), /timeout server 3600000ms/, "TCP idle");
  assert.match(text, /hard-stop-after 20000ms/, "the drain limit");
  assert.match(text, /stats socket unix@agent\.sock mode 600 level admin/);
});

test("a failed attempt is retried twice, elsewhere; an endpoint failing in a row is ejected", () => {
  const text = renderAgentConfig(config, agentPorts(config, []), endpoints);
  const http = section(text, "backend sc-backend");
  assert.match(
    http,
    /retries 2\n {4}option redispatch 1\n {4}retry-on conn-failure empty-response 503/,
  );
  assert.match(
    http,
    /server task-b1 unix@\S+ check addr 127\.0\.0\.1 port 15004 inter 1d fastinter 3000ms downinter 3000ms rise 1 fall 2 observe layer7 error-limit 5 on-error mark-down/,
  );
  assert.match(
    section(text, "frontend outlier-clock"),
    /bind 127\.0\.0\.1:15004\n {4}tcp-request connection reject/,
    "the checks' target: always answers, never the endpoint's app",
  );
  const tcp = section(text, "backend sc-cache");
  assert.match(tcp, /retries 2\n {4}option redispatch 1/);
  assert.doesNotMatch(tcp, /retry-on/, "a byte stream is retried on connect failure only");
});

test("a discovery name the security groups block: its endpoints are the blackhole, unchecked, with the scaled connect timeout", () => {
  const blocked: AgentConfig = {
    ...config,
    blocked: { ports: new Map([["backend", 5000]]), connectTimeoutMs: 500 },
  };
  const text = renderAgentConfig(blocked, agentPorts(blocked, []), endpoints);
  const backend = section(text, "backend sc-backend");
  assert.match(backend, /timeout connect 500ms/);
  assert.match(
    backend,
    /server task-b1 127\.254\.0\.1:5000\n {4}server task-b2 127\.254\.0\.1:5000/,
  );
  assert.doesNotMatch(backend, / check | observe /, "never marked down: every call times out");
  assert.match(backend, /retries 2\n {4}option redispatch 1/, "retried as any other");
  assert.match(text, /defaults\n {4}timeout connect 5000ms/, "others keep Envoy's 5 s");
  assert.doesNotMatch(section(text, "backend sc-cache"), /timeout connect/);
});

test("a server added at run time gets the line the configuration would give it", () => {
  const blocked: AgentConfig = {
    ...config,
    blocked: { ports: new Map([["cache", 6379]]), connectTimeoutMs: 500 },
  };
  const [backend, , cache] = blocked.egress;
  assert.ok(backend && cache);
  // biome-ignore format: one case to a line
  const cases: [AgentConfig, typeof backend, string][] = [
    [config, backend, "unix@../b3/api.sock check addr 127.0.0.1 port 15004 inter 1d fastinter 3000ms downinter 3000ms rise 1 fall 2 observe layer7 error-limit 5 on-error mark-down"],
    [config, cache, "unix@../b3/api.sock check addr 127.0.0.1 port 15004 inter 1d fastinter 3000ms downinter 3000ms rise 1 fall 2 observe layer4 error-limit 5 on-error mark-down"],
    [blocked, backend, "unix@../b3/api.sock check addr 127.0.0.1 port 15004 inter 1d fastinter 3000ms downinter 3000ms rise 1 fall 2 observe layer7 error-limit 5 on-error mark-down"],
    [blocked, cache, "127.254.0.1:6379"],
  ];
  for (const [agent, egress, line] of cases) {
    assert.equal(serverLine(agent, agentPorts(agent, [3000]), egress, "/run/b3/api.sock"), line);
  }
});

test("an endpoint on the run network is its app's ip:port, reached in one hop", () => {
  const [backend] = config.egress;
  assert.ok(backend);
  assert.match(
    serverLine(config, agentPorts(config, [3000]), backend, "10.0.1.7:5000"),
    /^10\.0\.1\.7:5000 check addr 127\.0\.0\.1 port \d+ inter 1d /,
  );
});

test("haproxy accepts the rendered configuration, however deep the run folder", async (t) => {
  const haproxy = await findTool("haproxy");
  assert.ok(haproxy, "haproxy is a requirement of every run: `ecs-local doctor --fix`");
  const dir = mkdtempSync(join(tmpdir(), "ecs-local-agent-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Absolute socket paths here are far past haproxy's 97 bytes; relative ones are not.
  const tasks = join(dir, "a-project-folder/".repeat(6), ".ecs-local/run/tasks");
  const task = (id: string) => join(tasks, id.repeat(32));
  const deep: AgentConfig = {
    ...config,
    dir: task("f"),
    ingress: [{ portName: "web", containerPort: 3000, socketPath: join(task("f"), "web.sock") }],
    metadataSocket: join(task("f"), "metadata.sock"),
    adminSocket: join(task("f"), "agent.sock"),
    // A blocked discovery name, so its server line is checked too.
    blocked: { ports: new Map([["cache", 6379]]), connectTimeoutMs: 500 },
  };
  const far = new Map([
    ["backend", [{ taskId: "b", address: join(task("b"), "api.sock") }]],
    ["cache", [{ taskId: "c", address: join(task("c"), "redis.sock") }]],
  ]);
  assert.ok(join(task("b"), "api.sock").length > 150);
  const file = join(dir, "agent.cfg");
  writeFileSync(file, renderAgentConfig(deep, agentPorts(deep, [3000]), far));
  const result = await runProcess([haproxy, "-c", "-f", file], { timeoutMs: 10_000 });
  assert.equal(result.exitCode, 0, result.stdout + result.stderr);
});
