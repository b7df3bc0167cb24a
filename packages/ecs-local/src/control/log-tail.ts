/**
 * A container's output goes straight into its log file (the file is its stdout and stderr, as
 * Docker's json-file driver is), so the app never waits on the control plane to write a line.
 * The control plane follows each file from where it last read, a few times a second, and hands
 * the new lines on. When nobody reads them live, only the newest `tailBytes` of a burst are
 * read: the history keeps the last lines only, and reading the rest would cost the app CPU.
 */
import { open } from "node:fs/promises";

/** Splits new text into whole lines, keeping an unfinished last line for the next read. Pure. */
export function splitLines(partial: string, text: string): { lines: string[]; partial: string } {
  const lines = (partial + text).split("\n");
  const rest = lines.pop() ?? "";
  return { lines, partial: rest };
}

/**
 * Where to read from when `size` bytes are in the file and `offset` have been read: all that
 * is new, or only its last `limit` bytes (starting at a line's beginning, once read). Pure.
 */
export function readWindow(
  offset: number,
  size: number,
  limit: number | undefined,
): { start: number; skipped: boolean } {
  if (size < offset) return { start: 0, skipped: true }; // truncated: start over
  if (limit !== undefined && size - offset > limit) return { start: size - limit, skipped: true };
  return { start: offset, skipped: false };
}

export interface LogTailOptions {
  readonly file: string;
  readonly onLines: (lines: readonly string[]) => void;
  /** Bytes a read may stop at when nobody follows live; undefined reads everything. */
  readonly limit: () => number | undefined;
  readonly intervalMs: number;
}

export class LogTail {
  readonly #options: LogTailOptions;
  #offset = 0;
  #partial = "";
  #timer?: NodeJS.Timeout;
  #reading: Promise<void> = Promise.resolve();

  constructor(options: LogTailOptions) {
    this.#options = options;
    this.#timer = setInterval(() => void this.read(), options.intervalMs);
    this.#timer.unref();
  }

  /** Reads what is new now; reads run one at a time. */
  read(): Promise<void> {
    this.#reading = this.#reading
      .then(() => this.#read())
      .catch(() => {
        // The file went with its task folder: nothing more to follow.
      });
    return this.#reading;
  }

  async #read(): Promise<void> {
    const handle = await open(this.#options.file, "r");
    try {
      const { size } = await handle.stat();
      const { start, skipped } = readWindow(this.#offset, size, this.#options.limit());
      if (size === start) return;
      const buffer = Buffer.alloc(size - start);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
      this.#offset = start + bytesRead;
      let text = buffer.toString("utf8", 0, bytesRead);
      if (skipped) {
        // A window starts mid-line: drop the fragment, and the line left unfinished before.
        text = text.slice(text.indexOf("\n") + 1);
        this.#partial = "";
      }
      const { lines, partial } = splitLines(this.#partial, text);
      this.#partial = partial;
      if (lines.length > 0) this.#options.onLines(lines);
    } finally {
      await handle.close();
    }
  }

  /** Reads the last of it, hands on an unfinished last line, and stops following. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.read();
    if (this.#partial) this.#options.onLines([this.#partial]);
    this.#partial = "";
  }
}
