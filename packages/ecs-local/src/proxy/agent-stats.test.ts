import assert from "node:assert/strict";
import { test } from "node:test";
import { counter, parseStat, serverRow, statChanges } from "./agent-stats.js";

// Trimmed from a real `show stat` of an agent (haproxy 2.6): the columns keep their names.
const SAMPLE = [
  "# pxname,svname,qcur,scur,stot,econ,eresp,wretr,wredis,status,hrsp_5xx,",
  "out-127.255.0.1-5000,FRONTEND,,3,120,,,,,OPEN,0,",
  "sc-backend,task-b1,0,1,60,0,0,2,2,UP,0,",
  "sc-backend,task-b2,0,0,57,3,0,0,0,DOWN,5,",
  "sc-backend,BACKEND,0,1,117,3,0,2,2,UP,5,",
  "",
].join("\n");

test("rows are keyed by column name; counters read as numbers", () => {
  const rows = parseStat(SAMPLE);
  assert.equal(rows.length, 4);
  const b2 = serverRow(rows, "sc-backend", "task-b2");
  assert.equal(b2?.status, "DOWN");
  assert.equal(counter(b2, "hrsp_5xx"), 5);
  assert.equal(counter(serverRow(rows, "sc-backend", "BACKEND"), "wretr"), 2);
  assert.equal(counter(rows[0], "wretr"), 0, "an empty cell is 0");
  assert.equal(serverRow(rows, "sc-backend", "task-b9"), undefined);
});

test("anything but a stat table is no rows", () => {
  assert.deepEqual(parseStat(""), []);
  assert.deepEqual(parseStat("Unknown command.\n"), []);
});

test("changes between readings: retries per backend, servers ejected and returned", () => {
  const before = parseStat(SAMPLE);
  const after = parseStat(
    SAMPLE.replace("sc-backend,BACKEND,0,1,117,3,0,2,2,UP", "sc-backend,BACKEND,0,1,130,4,0,5,4,UP")
      .replace("task-b1,0,1,60,0,0,2,2,UP", "task-b1,0,1,70,0,0,2,2,DOWN")
      .replace("task-b2,0,0,57,3,0,0,0,DOWN", "task-b2,0,0,57,3,0,0,0,UP"),
  );
  assert.deepEqual(statChanges(before, after), [
    { kind: "ejected", backend: "sc-backend", server: "task-b1" },
    { kind: "returned", backend: "sc-backend", server: "task-b2" },
    { kind: "retried", backend: "sc-backend", retries: 3, redispatches: 2 },
  ]);
  assert.deepEqual(statChanges(before, before), [], "nothing changed, nothing said");
});
