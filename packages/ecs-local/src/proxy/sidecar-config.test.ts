import assert from "node:assert/strict";
import { test } from "node:test";
import { SidecarConfigError } from "../errors.js";
import { parseSidecarConfig } from "./sidecar-config.js";

const minimal = {
  taskId: "t1",
  endpointsFile: "/run/endpoints.json",
  egress: [{ address: "127.255.0.1", port: 5000, discoveryName: "backend-container" }],
  metadata: { upstreamSocketPath: "/run/control.sock" },
};

test("fills in Service Connect defaults", () => {
  const c = parseSidecarConfig(minimal);
  assert.deepEqual(c.egress[0], {
    address: "127.255.0.1",
    port: 5000,
    discoveryName: "backend-container",
    protocol: "http",
    perRequestTimeoutMs: 15_000,
    idleTimeoutMs: 300_000,
  });
  assert.deepEqual(c.ingress, []);
  assert.equal(c.drainMs, 20_000);
  assert.deepEqual(c.metadata, {
    listenAddress: "169.254.170.2",
    listenPort: 80,
    upstreamSocketPath: "/run/control.sock",
  });
});

test("tcp aliases default to a one-hour idle timeout", () => {
  const c = parseSidecarConfig({ ...minimal, egress: [{ ...minimal.egress[0], protocol: "tcp" }] });
  assert.equal(c.egress[0]?.idleTimeoutMs, 3_600_000);
});

test("reports every problem at once, naming the field", () => {
  const bad = {
    taskId: "",
    endpointsFile: "relative.json",
    ingress: [{ portName: "api", containerPort: 70000, socketPath: `/${"x".repeat(120)}` }],
    egress: [
      { address: "10.0.0.1", port: 5000, discoveryName: "a", protocol: "udp" },
      { address: "127.255.0.2", port: 1, discoveryName: "b", perRequestTimeoutMs: -1 },
      { address: "127.255.0.2", port: 1, discoveryName: "c" },
    ],
  };
  const err = (() => {
    try {
      parseSidecarConfig(bad, "t1/sidecar.json");
    } catch (e) {
      return e as SidecarConfigError;
    }
    assert.fail("expected an error");
  })();
  assert.ok(err instanceof SidecarConfigError);
  assert.equal(err.code, "ECS_LOCAL_SIDECAR_CONFIG");
  for (const part of [
    "t1/sidecar.json",
    "$.taskId",
    "$.endpointsFile must be an absolute path",
    "$.ingress[0].containerPort",
    "$.ingress[0].socketPath is 121 bytes",
    '$.egress[0].protocol is "udp"',
    "$.egress[0].address",
    "$.egress[1].perRequestTimeoutMs",
    "Two egress listeners use 127.255.0.2:1",
  ]) {
    assert.ok(err.message.includes(part), `missing ${part} in:\n${err.message}`);
  }
});

test("rejects a non-object", () => {
  assert.throws(() => parseSidecarConfig([]), SidecarConfigError);
});
