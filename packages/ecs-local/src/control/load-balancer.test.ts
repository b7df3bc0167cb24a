import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, test } from "node:test";
import pino from "pino";
import { ListenerPortError } from "../errors.js";
import type { Listener } from "../model/types.js";
import { hostPortFor, LoadBalancerListener, pickTargetGroup } from "./load-balancer.js";
import { clock } from "./time-scale.js";

const origin = { logicalId: "L", constructPath: "Stack/Alb/Listener" };

describe("listener ports", () => {
  test("80 maps to 8080, other low ports to +8000, overrides win", () => {
    assert.equal(hostPortFor(80, new Map()), 8080);
    assert.equal(hostPortFor(443, new Map()), 8443);
    assert.equal(hostPortFor(3000, new Map()), 3000);
    assert.equal(hostPortFor(80, new Map([[80, 9999]])), 9999);
  });

  test("a host port in use is a clear error that says how to map it elsewhere", async (t) => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    t.after(() => squatter.close());
    const { port } = squatter.address() as { port: number };
    const listener = new LoadBalancerListener({
      listener: { origin, port: 80, protocol: "HTTP", rules: [] },
      targetGroups: [],
      controllers: [],
      hostPort: port,
      clock: clock(10),
      logger: pino({ level: "silent" }),
    });
    await assert.rejects(listener.start(), (error: unknown) => {
      assert.ok(error instanceof ListenerPortError);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}, which is already in use`));
      assert.match(error.message, /--listener-port 80=<free port>/);
      return true;
    });
  });
});

describe("listener rules", () => {
  const listener: Listener = {
    origin,
    port: 80,
    protocol: "HTTP",
    defaultTargetGroupId: "Default",
    rules: [
      { origin, priority: 20, pathPatterns: ["/api/*"], hostHeaders: [], targetGroupId: "Api" },
      {
        origin,
        priority: 10,
        pathPatterns: ["/api/admin*"],
        hostHeaders: [],
        targetGroupId: "Admin",
      },
      {
        origin,
        priority: 30,
        pathPatterns: [],
        hostHeaders: ["*.example.com"],
        targetGroupId: "Host",
      },
    ],
  };
  const table: [path: string, host: string, group: string | undefined][] = [
    ["/", "localhost", "Default"],
    ["/api/message", "localhost", "Api"],
    ["/api/admin/users", "localhost", "Admin"],
    ["/", "shop.example.com", "Host"],
  ];
  for (const [path, host, group] of table) {
    test(`${host}${path} → ${group}`, () => {
      assert.equal(pickTargetGroup(listener, path, host), group);
    });
  }
});
