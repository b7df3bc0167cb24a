/**
 * Keeps the sidecar's copy of the endpoints file current: fs.watch on the folder (the file is
 * replaced by rename, which a watch on the file itself would lose) plus a slow poll for the
 * events fs.watch misses. A bad or missing file keeps the last good snapshot, so a control
 * plane bug or restart never takes traffic down.
 */
import { type FSWatcher, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { SIDECAR_DEFAULTS } from "./defaults.js";
import {
  EMPTY_SNAPSHOT,
  type Endpoint,
  type EndpointsSnapshot,
  parseEndpoints,
} from "./endpoints-file.js";

export interface EndpointsWatcherOptions {
  readonly file: string;
  readonly log: Logger;
  /** @default SIDECAR_DEFAULTS.endpointsPollMs */
  readonly pollMs?: number;
  /** Called after each accepted change (e.g. to retire connection pools of removed endpoints). */
  readonly onChange?: (snapshot: EndpointsSnapshot) => void;
}

export class EndpointsWatcher {
  readonly #options: EndpointsWatcherOptions;
  #snapshot: EndpointsSnapshot = EMPTY_SNAPSHOT;
  #lastText: string | undefined;
  #lastProblem: string | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #again = false;
  #started: Promise<void> | undefined;
  #closed = false;

  constructor(options: EndpointsWatcherOptions) {
    this.#options = options;
  }

  /** The current snapshot; never blocks, never fails. */
  get snapshot(): EndpointsSnapshot {
    return this.#snapshot;
  }

  /** Endpoints of a discovery name in the current snapshot. */
  endpoints(discoveryName: string): readonly Endpoint[] {
    return this.#snapshot.services.get(discoveryName) ?? [];
  }

  /** Reads the file once and starts watching. Idempotent. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      await this.reload();
      const file = this.#options.file;
      try {
        this.#watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
          if (name === null || name === path.basename(file)) void this.reload();
        });
        this.#watcher.on("error", (err) =>
          this.#options.log.warn({ err }, "endpoints folder watch failed; polling only"),
        );
      } catch (err) {
        this.#options.log.warn({ err }, "cannot watch the endpoints folder; polling only");
      }
      this.#timer = setInterval(
        () => void this.reload(),
        this.#options.pollMs ?? SIDECAR_DEFAULTS.endpointsPollMs,
      );
      this.#timer.unref();
    })();
    return this.#started;
  }

  /** Re-reads the file now. Concurrent calls coalesce into at most one extra read. */
  async reload(): Promise<void> {
    if (this.#reading) {
      this.#again = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#again = false;
        await this.#readOnce();
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #readOnce(): Promise<void> {
    const { file, log } = this.#options;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      this.#reject(
        `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
      return;
    }
    if (text === this.#lastText) return;
    const parsed = parseEndpoints(text);
    if (!parsed.ok) {
      this.#reject(parsed.problem);
      return;
    }
    this.#lastText = text;
    this.#lastProblem = undefined;
    this.#snapshot = parsed.snapshot;
    log.info(
      {
        version: parsed.snapshot.version,
        services: Object.fromEntries(
          [...parsed.snapshot.services].map(([n, list]) => [n, list.length]),
        ),
      },
      "endpoints updated",
    );
    this.#options.onChange?.(parsed.snapshot);
  }

  #reject(problem: string): void {
    // Log each distinct problem once, not on every poll.
    if (problem === this.#lastProblem) return;
    this.#lastProblem = problem;
    this.#options.log.warn(
      { file: this.#options.file, problem, keptVersion: this.#snapshot.version },
      "endpoints file rejected; keeping the last good endpoints",
    );
  }

  /** Stops watching. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }
}
