import type { TimelineView } from "../api/control-plane-view.js";
import { KEEP } from "./view-model.js";

/** The time of the newest point already sent, per service name. */
export type SentUpTo = ReadonlyMap<string, string>;

/**
 * The part of `view` a client has not had yet: per service, the points after the newest one
 * sent (ISO times of one format compare as strings), or on the first send the newest ones the
 * page keeps (`KEEP.timelinePoints`), with the service's targets every time,
 * since they are few and may change. Services with nothing new are left out. Pure: returns
 * the new high-water marks instead of keeping them.
 */
export function timelineSince(
  view: TimelineView,
  sent: SentUpTo,
): { readonly delta: TimelineView; readonly sent: SentUpTo } {
  const next = new Map(sent);
  const services: TimelineView["services"][number][] = [];
  for (const service of view.services) {
    const points = unsent(service.points, sent.get(service.name));
    const newest = points.at(-1);
    if (newest === undefined) continue;
    next.set(service.name, newest.at);
    services.push({ name: service.name, targets: service.targets, points });
  }
  return { delta: { services }, sent: next };
}

type Point = TimelineView["services"][number]["points"][number];

/** The points after `last`, found from the newest back; the page's worth when none was sent. */
function unsent(points: readonly Point[], last: string | undefined): readonly Point[] {
  if (last === undefined) return points.slice(-KEEP.timelinePoints);
  let from = points.length;
  while (from > 0 && (points[from - 1] as Point).at > last) from--;
  return points.slice(from);
}
