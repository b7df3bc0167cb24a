/**
 * Scheduled actions' expressions, as Application Auto Scaling reads them: `at(…)` once,
 * `rate(n unit)` every n units, and six-field `cron(minutes hours day-of-month month
 * day-of-week year)`. Pure: given the last time checked and now, which firings fell between.
 *
 * `rate` counts in run time (divided by `--time-scale` like every other interval); `at` and
 * `cron` name wall-clock times, so they fire at those times, in UTC unless a time zone is set.
 */
import { UsageError } from "../../errors.js";

export type Schedule =
  | { readonly kind: "at"; readonly at: number }
  | { readonly kind: "rate"; readonly everyMs: number }
  | { readonly kind: "cron"; readonly fields: CronFields };

export interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** undefined: `?` or `*` (any day). */
  readonly daysOfMonth?: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 1 = Sunday … 7 = Saturday; undefined: any. */
  readonly daysOfWeek?: ReadonlySet<number>;
  readonly years?: ReadonlySet<number>;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/** Parses an expression; a malformed one is an error naming it and the forms allowed. */
export function parseSchedule(expression: string, timezone?: string): Schedule {
  const at = /^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$/.exec(expression.trim());
  if (at?.[1]) return { kind: "at", at: zonedTime(at[1], timezone) };
  const rate = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (rate?.[1] && rate[2]) {
    return { kind: "rate", everyMs: Number(rate[1]) * (UNIT_MS[rate[2]] as number) };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron?.[1]) return { kind: "cron", fields: parseCron(cron[1], expression) };
  throw invalid(
    expression,
    "expected at(yyyy-mm-ddThh:mm:ss), rate(n minutes|hours|days) or cron(…)",
  );
}

function invalid(expression: string, why: string): UsageError {
  return new UsageError(`Scheduled action schedule "${expression}": ${why}.`);
}

function parseCron(body: string, expression: string): CronFields {
  const parts = body.trim().split(/\s+/);
  if (parts.length !== 6) throw invalid(expression, "cron takes six fields");
  const [minutes, hours, dom, month, dow, year] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const field = (text: string, low: number, high: number) =>
    parseField(text, low, high, expression);
  const any = (text: string) => text === "?" || text === "*";
  return {
    minutes: field(minutes, 0, 59),
    hours: field(hours, 0, 23),
    ...(any(dom) ? {} : { daysOfMonth: field(dom, 1, 31) }),
    months: field(month, 1, 12),
    ...(any(dow) ? {} : { daysOfWeek: field(dow, 1, 7) }),
    ...(year === "*" ? {} : { years: field(year, 1970, 2199) }),
  };
}

/** `*`, `5`, `1-5`, `*\/15`, `0,30`, and combinations of those. */
function parseField(text: string, low: number, high: number, expression: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = low;
    let to = high;
    if (range !== "*" && range !== "?") {
      const [a, b] = (range ?? "").split("-").map(Number);
      if (a === undefined || Number.isNaN(a)) throw invalid(expression, `cannot read "${part}"`);
      from = a;
      to = b ?? (stepText === undefined ? a : high);
    }
    if (!(step > 0) || from < low || to > high || from > to) {
      throw invalid(expression, `"${part}" is out of range ${low}-${high}`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** A wall-clock time in a zone (UTC unless given) as epoch milliseconds. */
function zonedTime(local: string, timezone: string | undefined): number {
  const asUtc = Date.parse(`${local}Z`);
  if (!timezone || timezone === "UTC") return asUtc;
  return asUtc - zoneOffsetMs(asUtc, timezone);
}

function zoneOffsetMs(at: number, timezone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return wall - at;
}

function cronMatches(
  fields: CronFields,
  minuteStart: number,
  timezone: string | undefined,
): boolean {
  const local = new Date(minuteStart + (timezone ? zoneOffsetMs(minuteStart, timezone) : 0));
  if (!fields.minutes.has(local.getUTCMinutes()) || !fields.hours.has(local.getUTCHours()))
    return false;
  if (!fields.months.has(local.getUTCMonth() + 1)) return false;
  if (fields.years && !fields.years.has(local.getUTCFullYear())) return false;
  if (fields.daysOfMonth && !fields.daysOfMonth.has(local.getUTCDate())) return false;
  return !fields.daysOfWeek || fields.daysOfWeek.has(local.getUTCDay() + 1);
}

/**
 * Whether the schedule fires in (`since`, `now`]. `since`/`now` are wall-clock epoch ms for
 * `at` and `cron`; for `rate`, `runMs` is how long the run has lasted in scaled time and
 * `sinceRunMs` the same at the last check.
 */
export function firesBetween(
  schedule: Schedule,
  window: { since: number; now: number; sinceRunMs: number; runMs: number },
  timezone?: string,
): boolean {
  switch (schedule.kind) {
    case "at":
      return schedule.at > window.since && schedule.at <= window.now;
    case "rate":
      return (
        Math.floor(window.runMs / schedule.everyMs) >
        Math.floor(window.sinceRunMs / schedule.everyMs)
      );
    case "cron": {
      const first = Math.floor(window.since / 60_000) * 60_000 + 60_000;
      for (let minute = first; minute <= window.now; minute += 60_000) {
        if (cronMatches(schedule.fields, minute, timezone)) return true;
      }
      return false;
    }
  }
}
