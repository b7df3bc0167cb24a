import assert from "node:assert/strict";
import { test } from "node:test";
import { type CgroupProbe, chooseCgroups, parseCgroupMounts } from "./cgroups.js";

// /proc/self/mounts of a Debian 12 machine with cgroup v1 and a v2 mount beside it.
const HYBRID = [
  "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0",
  "cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0",
  "cgroup /sys/fs/cgroup/cpuacct cgroup rw,relatime,cpuacct 0 0",
  "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0",
  "cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0",
  "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0",
].join("\n");
const UNIFIED = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0";

const probe = (over: Partial<CgroupProbe>): CgroupProbe => ({
  mounts: [],
  v2Controllers: () => [],
  writable: () => false,
  ownV2Group: undefined,
  ...over,
});

test("cgroup mounts are read from /proc/self/mounts with their v1 controllers", () => {
  assert.deepEqual(parseCgroupMounts(HYBRID), [
    { mountPoint: "/sys/fs/cgroup/cpu", type: "cgroup", controllers: ["cpu"] },
    { mountPoint: "/sys/fs/cgroup/cpuacct", type: "cgroup", controllers: ["cpuacct"] },
    { mountPoint: "/sys/fs/cgroup/memory", type: "cgroup", controllers: ["memory"] },
    { mountPoint: "/sys/fs/cgroup/pids", type: "cgroup", controllers: ["pids"] },
    { mountPoint: "/sys/fs/cgroup/unified", type: "cgroup2", controllers: [] },
  ]);
});

test("hybrid host as root: v2 has no controllers, so v1 is used", () => {
  const support = chooseCgroups(probe({ mounts: parseCgroupMounts(HYBRID), writable: () => true }));
  assert.equal(support.mode, "v1");
  assert.equal(support.v1Mounts?.memory, "/sys/fs/cgroup/memory");
  assert.equal(support.v1Mounts?.cpuacct, "/sys/fs/cgroup/cpuacct");
});

test("hybrid host without root: no cgroups, and the summary says so", () => {
  const support = chooseCgroups(probe({ mounts: parseCgroupMounts(HYBRID) }));
  assert.equal(support.mode, "none");
  assert.match(support.summary, /\/proc sums and limits are not enforced/);
});

test("unified host as root: v2 at the mount point", () => {
  const support = chooseCgroups(
    probe({
      mounts: parseCgroupMounts(UNIFIED),
      v2Controllers: () => ["cpuset", "cpu", "io", "memory", "pids"],
      writable: () => true,
    }),
  );
  assert.equal(support.mode, "v2");
  assert.equal(support.v2Root, "/sys/fs/cgroup");
});

test("unified host, unprivileged, with a delegated subtree: v2 in the user's own group", () => {
  const own = "/user.slice/user-1000.slice/user@1000.service/app.slice";
  const support = chooseCgroups(
    probe({
      mounts: parseCgroupMounts(UNIFIED),
      ownV2Group: own,
      v2Controllers: () => ["cpu", "memory", "pids"],
      writable: (dir) => dir.endsWith("app.slice"),
    }),
  );
  assert.equal(support.mode, "v2");
  assert.equal(support.v2Root, `/sys/fs/cgroup${own}`);
});

test("ECS_LOCAL_CGROUPS=off chooses /proc sums even where cgroups work", () => {
  const support = chooseCgroups(
    probe({
      mounts: parseCgroupMounts(HYBRID),
      writable: () => true,
      turnedOffBy: "ECS_LOCAL_CGROUPS=off",
    }),
  );
  assert.equal(support.mode, "none");
  assert.equal(
    support.summary,
    "no cgroups: turned off by ECS_LOCAL_CGROUPS=off; usage comes from /proc sums and limits are not enforced",
  );
});
