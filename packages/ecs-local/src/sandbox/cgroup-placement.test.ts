import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PLACEMENT_FAILED_EXIT, placedInCgroups } from "./cgroup-placement.js";
import { type CgroupHierarchy, makeGroup, procsFiles, removeGroup } from "./cgroup-tree.js";
import { resourceAccounting } from "./task-resources.js";

test("without cgroups the command is unchanged", () => {
  assert.deepEqual(placedInCgroups([], ["node", "app.js"]), ["node", "app.js"]);
});

test("with cgroups a shell writes its pid to each group, then execs the command", () => {
  assert.deepEqual(
    placedInCgroups(
      ["/cg/memory/t/cgroup.procs", "/cg/cpu/t/cgroup.procs"],
      ["node", "a b.js"],
    ).slice(3),
    [
      "ecs-local-place",
      "2",
      "/cg/memory/t/cgroup.procs",
      "/cg/cpu/t/cgroup.procs",
      "node",
      "a b.js",
    ],
  );
});

/** The group of `pid` in a hierarchy (v1: the one with `controller`), from /proc/<pid>/cgroup. */
function groupOf(pid: number, h: CgroupHierarchy, controller: "memory" | "cpuacct"): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n");
  const line =
    h.version === "v2"
      ? lines.find((l) => l.startsWith("0::"))
      : lines.find((l) => l.split(":")[1]?.split(",").includes(controller));
  return line?.split(":").slice(2).join(":") ?? "";
}

test("a process and what it forks at once are in the group from the start", async (t) => {
  const h = resourceAccounting().hierarchy as CgroupHierarchy;
  assert.ok(h, resourceAccounting().notice);
  const group = `ecs-local-test-${process.pid}/placement`;
  makeGroup(h, group);
  t.after(() => removeGroup(h, `ecs-local-test-${process.pid}`));
  // The child forks a grandchild as its very first act and reports both pids.
  const argv = placedInCgroups(procsFiles(h, group), [
    "/bin/sh",
    "-c",
    'sleep 30 & echo "$$ $!"; wait',
  ]);
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const pids = line.toString().trim().split(" ").map(Number);
  assert.equal(pids[0], child.pid, "the placement shell execs; the pid stays the command's");
  for (const pid of pids) {
    for (const controller of ["memory", "cpuacct"] as const) {
      assert.equal(groupOf(pid as number, h, controller), `/${group}`, `${pid} in ${controller}`);
    }
  }
  child.kill("SIGKILL");
  await removeGroup(h, group); // kills the grandchild, which is in the group too
  assert.throws(() => readFileSync(join(h.memory, group, "cgroup.procs")), /ENOENT/);
});

test("a group that cannot be joined stops the command before it runs, with exit 125", async () => {
  const argv = placedInCgroups(["/nonexistent/cgroup.procs"], ["/bin/echo", "ran"]);
  const child = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c;
  });
  child.stderr.on("data", (c: Buffer) => {
    err += c;
  });
  const [code] = await once(child, "exit");
  assert.equal(code, PLACEMENT_FAILED_EXIT);
  assert.equal(out, "");
  assert.match(err, /ecs-local: cannot join the cgroup of \/nonexistent\/cgroup\.procs/);
});
