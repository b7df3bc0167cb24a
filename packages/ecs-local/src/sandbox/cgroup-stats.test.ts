import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CFS_PERIOD_US,
  type CgroupVersion,
  cfsQuotaUs,
  cpuMaxLine,
  cpuTimeV1,
  cpuTimeV2,
  memoryUsedBytes,
  mibToBytes,
  oomKills,
  parseFlatKeyed,
  parsePids,
} from "./cgroup-stats.js";

// The head of a v1 `memory.stat` of a task group (Linux 6.x): its own figures, then its subtree's.
const V1_MEMORY_STAT = [
  "cache 0",
  "rss 0",
  "shmem 0",
  "mapped_file 0",
  "inactive_file 0",
  "hierarchical_memory_limit 536870912",
  "hierarchical_memsw_limit 536870912",
  "total_cache 12582912",
  "total_rss 71303168",
  "total_inactive_file 8388608",
].join("\n");

// A v2 `memory.stat` (Linux 6.x): no `cache` key, and `inactive_file` covers the subtree.
const V2_MEMORY_STAT = [
  "anon 71303168",
  "file 12582912",
  "kernel 1638400",
  "inactive_anon 70000000",
  "active_anon 1303168",
  "inactive_file 8388608",
  "active_file 4194304",
].join("\n");

test("flat-keyed files are read as numbers; other lines are skipped", () => {
  assert.deepEqual(
    [...parseFlatKeyed("cache 11681792\nrss 4927488\n\nsome words here\nbad -1\n")],
    [
      ["cache", 11681792],
      ["rss", 4927488],
    ],
  );
});

test("memory used is the usage without the page cache, as the ECS agent counts it", () => {
  const MiB = 1024 * 1024;
  const cases: [string, CgroupVersion, number, string, number][] = [
    // what, version, usage, memory.stat, expected
    ["v1 subtracts the subtree's total_cache", "v1", 96 * MiB, V1_MEMORY_STAT, 84 * MiB],
    ["v1 without total_cache falls back to cache", "v1", 10 * MiB, `cache ${2 * MiB}`, 8 * MiB],
    ["v1 cache not below usage: the usage", "v1", 4 * MiB, `total_cache ${4 * MiB}`, 4 * MiB],
    ["v1 with no cache figure: the usage", "v1", 4 * MiB, "rss 1", 4 * MiB],
    ["v2 subtracts inactive_file", "v2", 96 * MiB, V2_MEMORY_STAT, 88 * MiB],
    ["v2 ignores a cache key", "v2", 10 * MiB, `cache ${2 * MiB}`, 10 * MiB],
    ["v2 inactive_file above usage: the usage", "v2", MiB, V2_MEMORY_STAT, MiB],
    ["an empty group", "v1", 0, "", 0],
  ];
  for (const [what, version, usage, stat, expected] of cases) {
    assert.equal(memoryUsedBytes(version, usage, parseFlatKeyed(stat)), expected, what);
  }
});

test("CPU time: v2 cpu.stat in microseconds, v1 cpuacct in nanoseconds or ticks", () => {
  assert.deepEqual(
    cpuTimeV2(parseFlatKeyed("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3")),
    { totalNanos: 1_500_000, userNanos: 1_000_000, systemNanos: 500_000 },
  );
  assert.deepEqual(cpuTimeV2(new Map()), { totalNanos: 0, userNanos: 0, systemNanos: 0 });
  assert.deepEqual(
    cpuTimeV1(360_968_065, { userNanos: 290_000_000, systemNanos: 40_000_000 }, new Map()),
    { totalNanos: 360_968_065, userNanos: 290_000_000, systemNanos: 40_000_000 },
  );
  assert.deepEqual(cpuTimeV1(360_968_065, undefined, parseFlatKeyed("user 29\nsystem 4")), {
    totalNanos: 360_968_065,
    userNanos: 290_000_000,
    systemNanos: 40_000_000,
  });
});

test("OOM kills come from oom_kill of memory.oom_control (v1) or memory.events (v2)", () => {
  const cases: [string, string, number][] = [
    ["v1, none yet", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", 0],
    ["v1, one", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n", 1],
    ["v1 before Linux 4.13: no counter", "oom_kill_disable 0\nunder_oom 0\n", 0],
    ["v2", "low 0\nhigh 0\nmax 57\noom 2\noom_kill 2\noom_group_kill 0\n", 2],
    ["unreadable", "", 0],
  ];
  for (const [what, text, expected] of cases) assert.equal(oomKills(text), expected, what);
});

test("CFS quota: units / 1024 of each period", () => {
  const cases: [number, number, number][] = [
    // units, period µs, quota µs
    [1024, 100_000, 100_000],
    [256, 100_000, 25_000],
    [512, 100_000, 50_000],
    [2048, 100_000, 200_000],
    [4096, 100_000, 400_000],
    [1, 100_000, 1_000], // the kernel's minimum
    [100, 50_000, 4_883],
  ];
  for (const [units, period, quota] of cases) {
    assert.equal(cfsQuotaUs(units, period), quota, `${units} units over ${period} µs`);
  }
  assert.equal(cfsQuotaUs(256), 25_000);
  assert.equal(CFS_PERIOD_US, 100_000);
  assert.equal(cpuMaxLine(256), "25000 100000");
  assert.throws(() => cfsQuotaUs(0), /must both be positive/);
  assert.throws(() => cfsQuotaUs(256, 0), /must both be positive/);
});

test("MiB become bytes; a size that is not positive is refused", () => {
  assert.equal(mibToBytes(512), 536_870_912);
  assert.equal(mibToBytes(0.5), 524_288);
  assert.throws(() => mibToBytes(0), /not a positive size/);
  assert.throws(() => mibToBytes(Number.NaN), /not a positive size/);
});

test("cgroup.procs lists pids once each", () => {
  assert.deepEqual(parsePids("12\n13\n12\n\n"), [12, 13]);
  assert.deepEqual(parsePids(""), []);
});
