/**
 * Which target group an ALB listener sends a request to, and which host port a listener
 * takes. Pure.
 */
import { globToRegExp } from "../glob-pattern.js";
import type { Listener } from "../model/types.js";

/** Host port for a listener port: 80 → 8080 by default; others as given or unchanged. */
export function hostPortFor(listenerPort: number, overrides: ReadonlyMap<number, number>): number {
  return overrides.get(listenerPort) ?? (listenerPort < 1024 ? listenerPort + 8000 : listenerPort);
}

/** Which target group a request goes to: the first matching rule by priority, else the default. */
export function pickTargetGroup(
  listener: Listener,
  path: string,
  host: string,
): string | undefined {
  const rules = [...listener.rules].sort((a, b) => a.priority - b.priority);
  for (const rule of rules) {
    // The ALB compares paths case-sensitively and host names without case.
    const pathOk =
      rule.pathPatterns.length === 0 ||
      rule.pathPatterns.some((p) => globToRegExp(p, { crossSlash: true }).test(path));
    const hostOk =
      rule.hostHeaders.length === 0 ||
      rule.hostHeaders.some((h) =>
        globToRegExp(h, { crossSlash: true, ignoreCase: true }).test(host.replace(/:\d+$/, "")),
      );
    if (pathOk && hostOk) return rule.targetGroupId;
  }
  return listener.defaultTargetGroupId;
}
