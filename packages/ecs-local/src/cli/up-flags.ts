/**
 * `up`'s flags as typed values. Each bad value is a one-line usage error (exit 2) naming the
 * flag, the value, and what it must look like.
 */
import { DEFAULT_TIME_SCALE } from "../control/time-scale.js";
import { UsageError } from "../errors.js";

export function parseTimeScale(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIME_SCALE;
  const scale = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new UsageError(
      `--time-scale ${value} must be a positive number (1 = AWS timing, ${DEFAULT_TIME_SCALE} = the default, 60 = a minute per second).`,
    );
  }
  return scale;
}

/** `-c key=value`, as `cdk synth -c` takes it. */
export function parseContext(values: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const value of values) {
    const equals = value.indexOf("=");
    if (equals <= 0)
      throw new UsageError(`--context ${value} must look like key=value, as with cdk synth -c.`);
    context[value.slice(0, equals)] = value.slice(equals + 1);
  }
  return context;
}

/** `--listener-port 80=8080`: a load balancer listener port → the host port it takes. */
export function parseListenerPorts(values: readonly string[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const value of values) {
    const match = /^(\d+)=(\d+)$/.exec(value.trim());
    const listener = Number(match?.[1]);
    const host = Number(match?.[2]);
    if (!match || !isPort(listener) || !isPort(host)) {
      throw new UsageError(
        `--listener-port ${value} must look like 80=8080: a listener port and a host port, each 1-65535.`,
      );
    }
    map.set(listener, host);
  }
  return map;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65_535;
}
