/**
 * Control-plane timings come from the template in AWS time and are divided by the run's
 * time scale (`--time-scale`, default 10; 1 = AWS timing): intervals, periods, cooldowns, start
 * periods and stop timeouts, which are waits. Timeouts that bound how long an app may take to
 * answer (health checks, target-group checks) are not: a request does not get faster because
 * time is scaled. Very short waits are clamped so a busy machine still keeps up.
 */
export const DEFAULT_TIME_SCALE = 10;

export interface Clock {
  readonly timeScale: number;
  /** AWS milliseconds → real milliseconds, at least `floorMs`. */
  scaled(awsMs: number, floorMs?: number): number;
}

export function clock(timeScale: number): Clock {
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new RangeError(`time scale ${timeScale} must be a positive number (1 = AWS timing)`);
  }
  return {
    timeScale,
    scaled: (awsMs, floorMs = 0) => Math.max(floorMs, Math.round(awsMs / timeScale)),
  };
}
