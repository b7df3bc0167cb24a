/** The HTTP status classes AWS counts answers by (`HTTPCode_Target_2XX_Count` … `5XX`). */
export const STATUS_CLASSES = ["2XX", "3XX", "4XX", "5XX"] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** A status's class, or undefined for one AWS does not count (1xx, or not a status). */
export function statusClass(status: number): StatusClass | undefined {
  const hundreds = Math.floor(status / 100);
  return hundreds >= 2 && hundreds <= 5 ? (`${hundreds}XX` as StatusClass) : undefined;
}

/** One of something per status class, e.g. a counter each. */
export function perStatusClass<T>(make: (statusClass: StatusClass) => T): Record<StatusClass, T> {
  return Object.fromEntries(STATUS_CLASSES.map((c) => [c, make(c)])) as Record<StatusClass, T>;
}
