import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { isRunning } from "./procs.js";
import { RunNetwork } from "./run-network.js";
import { TaskSandbox } from "./task-sandbox.js";

const SERVER = `require("http").createServer((q, s) => s.end(process.argv[1] + " saw " + q.socket.remoteAddress)).listen(5000, "0.0.0.0", () => console.log("listening"))`;
const PATH = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

const hostLinks = () => execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });

test("tasks on the run network reach each other's apps by address, and nothing is left on the host", async (t) => {
  const runDir = await mkdtemp(path.join(tmpdir(), "ecs-local-network-"));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  const linksBefore = hostLinks();
  const network = await RunNetwork.create();
  assert.ok(network instanceof RunNetwork, `no run network: ${JSON.stringify(network)}`);
  t.after(() => network.close());

  const [a, b] = await Promise.all(
    ["a", "b"].map((taskId) => TaskSandbox.create({ taskId, runDir, hosts: [] })),
  );
  assert.ok(a && b);
  t.after(() => Promise.all([a.close(), b.close()]));
  const [onA, onB] = await Promise.all([network.attach(a.holderPid), network.attach(b.holderPid)]);
  assert.ok(onA && onB);
  assert.notEqual(onA.address, onB.address);
  assert.match(onA.address, /^10\.0\.1\.\d+$/);

  const eth0 = await b.exec(["ip", "-o", "addr", "show", "dev", "eth0"], {
    timeoutMs: 5000,
    env: PATH,
  });
  assert.match(eth0.stdout, new RegExp(`inet ${onB.address.replaceAll(".", "\\.")}/16`));

  const server = b.spawn([process.execPath, "-e", SERVER, "b"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  assert.ok(server.stdout);
  await once(server.stdout, "data");
  const r = await a.exec(["curl", "-s", `http://${onB.address}:5000/`], { timeoutMs: 5000 });
  assert.equal(r.stdout, `b saw ${onA.address}`, "a's request arrives from a's own address");

  assert.equal(hostLinks(), linksBefore, "the host's network namespace has no new link");
  await Promise.all([a.close(), b.close()]);
  await network.close();
  assert.equal(hostLinks(), linksBefore);
});

test("with a policy, a task admits only the callers it allows, whichever joined first", async (t) => {
  const runDir = await mkdtemp(path.join(tmpdir(), "ecs-local-network-"));
  t.after(() => rm(runDir, { recursive: true, force: true }));
  // web may reach api on 5000; nothing else is allowed.
  const network = await RunNetwork.create({
    policy: (from, to, port) => from === "web" && to === "api" && port === 5000,
  });
  assert.ok(network instanceof RunNetwork, `no run network: ${JSON.stringify(network)}`);
  t.after(() => network.close());
  const sandboxes: TaskSandbox[] = [];
  t.after(() => Promise.all(sandboxes.map((s) => s.close())));
  const join = async (taskId: string, group: string, ports: number[]) => {
    const sandbox = await TaskSandbox.create({ taskId, runDir, hosts: [] });
    sandboxes.push(sandbox);
    const { address } = await network.attach(sandbox.holderPid, { group, ports });
    if (ports.length > 0) {
      const server = sandbox.spawn([process.execPath, "-e", SERVER, taskId], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      assert.ok(server.stdout);
      await once(server.stdout, "data");
    }
    return { sandbox, address };
  };
  const api1 = await join("api1", "api", [5000]);
  const web = await join("web", "web", []);
  const other = await join("other", "other", []);
  const api2 = await join("api2", "api", [5000]);
  const call = (from: TaskSandbox, to: string) =>
    from.exec(["curl", "-s", "--connect-timeout", "1", `http://${to}:5000/`], {
      timeoutMs: 5000,
    });
  for (const api of [api1, api2]) {
    const allowed = await call(web.sandbox, api.address);
    assert.equal(allowed.stdout, `${api === api1 ? "api1" : "api2"} saw ${web.address}`);
    const dropped = await call(other.sandbox, api.address);
    assert.equal(dropped.exitCode, 28, "the connect times out, unanswered, as in a VPC");
  }
  const sameService = await call(api2.sandbox, api1.address);
  assert.equal(sameService.exitCode, 28);
});

test("the run network's holder goes when it is closed", async () => {
  const network = await RunNetwork.create();
  assert.ok(network instanceof RunNetwork);
  const pid = network.holderPid;
  assert.ok(isRunning(pid));
  await network.close();
  assert.equal(isRunning(pid), false);
});
