import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { SandboxError } from "../errors.js";
import { probeNamespaces } from "./probe.js";
import { isRunning } from "./procs.js";
import { TaskSandbox } from "./task-sandbox.js";

async function runDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-local-sandbox-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const SERVER = `require("http").createServer((q, s) => s.end(process.argv[1])).listen(5000, "0.0.0.0", () => console.log("listening"))`;

test("probeNamespaces passes on this machine", async () => {
  await probeNamespaces();
});

test("a sandbox has its own loopback, hostname and /etc/hosts, and close leaves no process", async (t) => {
  const dir = await runDir(t);
  const hostsBefore = await readFile("/etc/hosts", "utf8");
  const sb = await TaskSandbox.create({
    taskId: "front-1",
    runDir: dir,
    hosts: [{ ip: "127.255.0.1", name: "backend-container.local" }],
  });
  t.after(() => sb.close());

  const hosts = await sb.exec(["cat", "/etc/hosts"], { timeoutMs: 5000 });
  assert.equal(hosts.exitCode, 0);
  assert.match(hosts.stdout, /^127\.255\.0\.1 backend-container\.local$/m);
  assert.match(hosts.stdout, /^127\.0\.0\.1 task-front-1$/m);
  assert.equal(
    await readFile("/etc/hosts", "utf8"),
    hostsBefore,
    "the host's /etc/hosts is unchanged",
  );

  const addr = await sb.exec(["ip", "-o", "addr", "show", "dev", "lo"], {
    timeoutMs: 5000,
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  assert.match(addr.stdout, /inet 127\.0\.0\.1\/8/);
  assert.match(addr.stdout, /inet 169\.254\.170\.2\/32/);
  assert.equal((await sb.exec(["hostname"], { timeoutMs: 5000 })).stdout.trim(), "task-front-1");
  assert.equal((await sb.exec(["pwd"], { timeoutMs: 5000, cwd: "/usr" })).stdout.trim(), "/usr");

  const failing = await sb.exec(["sh", "-c", "echo oops >&2; exit 3"], { timeoutMs: 5000 });
  assert.deepEqual([failing.exitCode, failing.stderr, failing.timedOut], [3, "oops\n", false]);
  const slow = await sb.exec(["sh", "-c", "sleep 30; echo never"], { timeoutMs: 200 });
  assert.equal(slow.timedOut, true);
  assert.equal(slow.exitCode, null);

  // A long-running process with a grandchild, plus one that ignores SIGTERM.
  const tree = sb.spawn(["sh", "-c", "sleep 1000 & wait"], { stdio: "ignore" });
  const stubborn = sb.spawn(["sh", "-c", "trap '' TERM; echo up; while :; do sleep 1; done"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  await once(stubborn.stdout!, "data");
  const pids = sb.pids();
  assert.ok(pids.includes(sb.holderPid));
  assert.ok(pids.includes(tree.pid!) && pids.includes(stubborn.pid!));
  assert.ok(pids.length >= 4, `expected the holder, two shells and a sleep, got ${pids.join(",")}`);

  await Promise.all([sb.close(), sb.close()]);
  await sb.close();
  for (const pid of pids) assert.equal(isRunning(pid), false, `pid ${pid} survived close`);
  assert.throws(() => sb.spawn(["true"]), SandboxError);
  assert.ok(existsSync(sb.hostsPath), "files in the task folder are kept");
});

test("two sandboxes bind the same port without conflict", async (t) => {
  const dir = await runDir(t);
  const make = (taskId: string) => TaskSandbox.create({ taskId, runDir: dir, hosts: [] });
  const [a, b] = await Promise.all([make("a"), make("b")]);
  t.after(() => Promise.all([a.close(), b.close()]));
  assert.notEqual(a.netns, b.netns);
  for (const sb of [a, b]) {
    const server = sb.spawn([process.execPath, "-e", SERVER, sb.taskId], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await once(server.stdout!, "data");
  }
  for (const sb of [a, b]) {
    const r = await sb.exec(
      [
        process.execPath,
        "-e",
        `fetch("http://127.0.0.1:5000/").then(r => r.text()).then(console.log)`,
      ],
      { timeoutMs: 5000 },
    );
    assert.equal(r.stdout.trim(), sb.taskId);
  }
});

test("an aborted signal closes the sandbox", async (t) => {
  const dir = await runDir(t);
  const ac = new AbortController();
  const sb = await TaskSandbox.create({ taskId: "ab", runDir: dir, hosts: [], signal: ac.signal });
  t.after(() => sb.close());
  const holder = sb.holderPid;
  ac.abort();
  await sb.close();
  assert.equal(isRunning(holder), false);
});

test("invalid task ids and host names are rejected before anything starts", async (t) => {
  const dir = await runDir(t);
  await assert.rejects(
    TaskSandbox.create({ taskId: "../x", runDir: dir, hosts: [] }),
    SandboxError,
  );
  await assert.rejects(
    TaskSandbox.create({ taskId: "x", runDir: dir, hosts: [{ ip: "127.255.0.1", name: "a b" }] }),
    SandboxError,
  );
});
