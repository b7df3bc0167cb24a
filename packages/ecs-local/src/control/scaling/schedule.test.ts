import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../../errors.js";
import { firesBetween, parseSchedule } from "./schedule.js";

const at = (iso: string) => Date.parse(iso);

test("at() fires once, at its time (UTC unless a zone is given)", () => {
  const once = parseSchedule("at(2026-11-27T18:00:00)");
  const window = (since: string, now: string) => ({
    since: at(since),
    now: at(now),
    sinceRunMs: 0,
    runMs: 0,
  });
  assert.equal(firesBetween(once, window("2026-11-27T17:59:00Z", "2026-11-27T18:00:00Z")), true);
  assert.equal(firesBetween(once, window("2026-11-27T18:00:00Z", "2026-11-27T18:01:00Z")), false);
  const berlin = parseSchedule("at(2026-11-27T18:00:00)", "Europe/Berlin");
  assert.deepEqual(berlin, { kind: "at", at: at("2026-11-27T17:00:00Z") });
});

test("rate() fires every interval of run time", () => {
  const every = parseSchedule("rate(5 minutes)");
  assert.deepEqual(every, { kind: "rate", everyMs: 300_000 });
  const window = (sinceRunMs: number, runMs: number) => ({ since: 0, now: 0, sinceRunMs, runMs });
  assert.equal(firesBetween(every, window(0, 299_999)), false);
  assert.equal(firesBetween(every, window(299_999, 300_000)), true);
  assert.equal(firesBetween(every, window(300_000, 599_000)), false);
});

test("cron() with six fields: minutes hours day-of-month month day-of-week year", () => {
  const evenings = parseSchedule("cron(0 18 * * ? *)");
  const window = (since: string, now: string) => ({
    since: at(since),
    now: at(now),
    sinceRunMs: 0,
    runMs: 0,
  });
  assert.equal(
    firesBetween(evenings, window("2026-11-27T17:59:30Z", "2026-11-27T18:00:10Z")),
    true,
  );
  assert.equal(
    firesBetween(evenings, window("2026-11-27T18:00:10Z", "2026-11-27T18:05:00Z")),
    false,
  );
  const weekdays = parseSchedule("cron(*/15 9-17 ? * 2-6 *)");
  // 2026-11-27 is a Friday (day-of-week 6), 2026-11-28 a Saturday.
  assert.equal(
    firesBetween(weekdays, window("2026-11-27T09:14:00Z", "2026-11-27T09:15:00Z")),
    true,
  );
  assert.equal(
    firesBetween(weekdays, window("2026-11-28T09:14:00Z", "2026-11-28T09:15:00Z")),
    false,
  );
});

test("a malformed schedule names itself and the forms allowed", () => {
  assert.throws(() => parseSchedule("every 5 minutes"), UsageError);
  assert.throws(() => parseSchedule("cron(0 18 * *)"), /cron takes six fields/);
  assert.throws(() => parseSchedule("cron(0 25 * * ? *)"), /out of range 0-23/);
});
