/**
 * Round-robin endpoint picking (Service Connect's default load balancing). Pure: the caller
 * keeps the counter, so the policy can be swapped or wrapped (outlier ejection filters the
 * list first) without touching the data path.
 */

export interface Pick<T> {
  /** undefined when the list is empty. */
  readonly item: T | undefined;
  /** The counter to pass next time. */
  readonly next: number;
}

/**
 * Picks `items[counter mod n]`. The counter keeps growing rather than wrapping at `n`, so when
 * the list changes size the rotation carries on instead of restarting at the first endpoint.
 */
export function pickRoundRobin<T>(items: readonly T[], counter: number): Pick<T> {
  if (items.length === 0) return { item: undefined, next: counter };
  const safe = Number.isSafeInteger(counter) && counter >= 0 ? counter : 0;
  return { item: items[safe % items.length], next: safe + 1 };
}

/** A stateful picker over a list that may change between calls. */
export class RoundRobin<T> {
  #counter = 0;

  pick(items: readonly T[]): T | undefined {
    const { item, next } = pickRoundRobin(items, this.#counter);
    this.#counter = next;
    return item;
  }
}
