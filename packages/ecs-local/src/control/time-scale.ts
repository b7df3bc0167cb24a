/**
 * Control-plane timings come from the template in AWS time and are divided by the run's
 * time scale (`--time-scale`, default 10; 1 = AWS timing). Very short waits are clamped so a
 * health-check timeout never drops below what a busy machine needs to fork `curl`.
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
