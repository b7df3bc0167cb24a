/**
 * haproxy's `show stat` (CSV, one row per frontend, backend and server): what the control plane
 * reads to see retries, ejections and traffic without parsing logs. Pure.
 */

/** One row: every column by its name (`pxname`, `svname`, `status`, `wretr`, …). */
export type StatRow = Readonly<Record<string, string>>;

export function parseStat(csv: string): StatRow[] {
  const lines = csv.split("\n").filter((line) => line.trim() !== "");
  const header = lines.shift();
  if (!header?.startsWith("# ")) return [];
  const names = header.slice(2).split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(names.map((name, i) => [name, cells[i] ?? ""]));
  });
}

/** A number column, 0 when empty (haproxy leaves counters that do not apply empty). */
export function counter(row: StatRow | undefined, column: string): number {
  const value = Number(row?.[column] ?? "");
  return Number.isFinite(value) ? value : 0;
}

/** The row of one server of one backend. */
export function serverRow(
  rows: readonly StatRow[],
  backend: string,
  server: string,
): StatRow | undefined {
  return rows.find((row) => row.pxname === backend && row.svname === server);
}

/** What changed between two readings, as the control plane logs it. */
export type StatChange =
  | {
      readonly kind: "retried";
      readonly backend: string;
      readonly retries: number;
      readonly redispatches: number;
    }
  | { readonly kind: "ejected" | "returned"; readonly backend: string; readonly server: string };

/**
 * Retries and redispatches per backend since `before`, and servers that went down (ejected
 * after errors or failed checks) or came back up. Frontends and unknown rows are ignored.
 */
export function statChanges(before: readonly StatRow[], after: readonly StatRow[]): StatChange[] {
  const changes: StatChange[] = [];
  for (const row of after) {
    const backend = row.pxname ?? "";
    const server = row.svname ?? "";
    const old = serverRow(before, backend, server);
    if (server === "BACKEND") {
      const retries = counter(row, "wretr") - counter(old, "wretr");
      const redispatches = counter(row, "wredis") - counter(old, "wredis");
      if (retries > 0 || redispatches > 0) {
        changes.push({ kind: "retried", backend, retries, redispatches });
      }
    } else if (server !== "FRONTEND" && old) {
      const wasUp = /^UP/.test(old.status ?? "");
      const isUp = /^UP/.test(row.status ?? "");
      if (wasUp && /^DOWN/.test(row.status ?? ""))
        changes.push({ kind: "ejected", backend, server });
      if (!wasUp && /^DOWN/.test(old.status ?? "") && isUp) {
        changes.push({ kind: "returned", backend, server });
      }
    }
  }
  return changes;
}
