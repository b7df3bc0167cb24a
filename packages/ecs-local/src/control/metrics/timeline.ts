/**
 * What the dashboard's scaling timeline draws: per service, its desired and running tasks and
 * each policy's metric, one point per sample, for the last `capacity` samples. Pure data.
 */
import type { TimelinePoint, TimelineView } from "../../api/control-plane-view.js";

export interface TimelineSample {
  readonly service: string;
  readonly desired: number;
  readonly running: number;
  /** Each policy's metric now and its target, by policy name. */
  readonly policies: readonly {
    readonly name: string;
    readonly value?: number;
    readonly target?: number;
  }[];
}

/** At one sample a second (the default time scale), half an hour. */
const DEFAULT_CAPACITY = 1_800;

export class Timeline {
  readonly #capacity: number;
  readonly #services = new Map<
    string,
    { targets: Record<string, number | undefined>; points: TimelinePoint[] }
  >();

  constructor(capacity = DEFAULT_CAPACITY) {
    this.#capacity = capacity;
  }

  /** One sample of every service at `atMs` (wall-clock milliseconds). */
  add(atMs: number, samples: readonly TimelineSample[]): void {
    const at = new Date(atMs).toISOString();
    for (const sample of samples) {
      const entry = this.#services.get(sample.service) ?? { targets: {}, points: [] };
      const policies: Record<string, number | undefined> = {};
      for (const policy of sample.policies) {
        policies[policy.name] = policy.value;
        entry.targets[policy.name] = policy.target;
      }
      entry.points.push({ at, desired: sample.desired, running: sample.running, policies });
      if (entry.points.length > this.#capacity) entry.points.shift();
      this.#services.set(sample.service, entry);
    }
  }

  view(): TimelineView {
    return {
      services: [...this.#services].map(([name, entry]) => ({
        name,
        targets: { ...entry.targets },
        points: [...entry.points],
      })),
    };
  }
}
