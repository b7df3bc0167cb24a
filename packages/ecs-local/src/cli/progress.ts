/**
 * Human output of long CLI steps. On a terminal, the step in progress is one live line with
 * its elapsed seconds (and the last thing it printed), replaced by a ✓ or ✗ line when it ends.
 * Elsewhere (CI, pipes) every step is plain lines: one when it starts, one when it ends.
 */

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** A step in progress. `end` and `fail` are idempotent. */
export interface StepHandle {
  /** A line the step's program printed: shown live on a terminal, never printed otherwise. */
  output(line: string): void;
  /** Replaces the step's label (e.g. counts that change while waiting). */
  relabel(label: string): void;
  end(summary?: string): void;
  fail(): void;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const REDRAW_MS = 200;

export class Progress {
  readonly live: boolean;
  readonly #out: ProgressOutput;
  readonly #now: () => number;
  #current?: { label: string; startedAt: number; lastOutput: string; frame: number };
  #timer?: NodeJS.Timeout;

  /**
   * @param options.live draw live lines. @default a terminal that is not `TERM=dumb`, outside CI
   */
  constructor(
    out: ProgressOutput = process.stdout,
    options: { readonly now?: () => number; readonly live?: boolean } = {},
  ) {
    this.#out = out;
    this.#now = options.now ?? Date.now;
    this.live =
      options.live ?? (out.isTTY === true && process.env.TERM !== "dumb" && !process.env.CI);
  }

  /** A permanent line; a live step line stays below it. */
  say(line: string): void {
    this.#clear();
    this.#out.write(`${line}\n`);
    this.#draw();
  }

  /** Starts a step; a step still running is ended first. */
  begin(label: string): StepHandle {
    this.#finish("✓");
    const step = { label, startedAt: this.#now(), lastOutput: "", frame: 0 };
    this.#current = step;
    if (this.live) {
      this.#timer = setInterval(() => {
        step.frame++;
        this.#draw();
      }, REDRAW_MS);
      this.#timer.unref();
      this.#draw();
    } else {
      this.#out.write(`▸ ${label}\n`);
    }
    const mine = () => this.#current === step;
    return {
      output: (line) => {
        if (!mine()) return;
        step.lastOutput = line.trim();
      },
      relabel: (next) => {
        if (!mine()) return;
        step.label = next;
        this.#draw();
      },
      end: (summary) => {
        if (mine()) this.#finish("✓", summary);
      },
      fail: () => {
        if (mine()) this.#finish("✗");
      },
    };
  }

  /** Runs `work` as one step: ✓ when it resolves, ✗ when it throws (the error goes on up). */
  async step<T>(label: string, work: (step: StepHandle) => Promise<T>): Promise<T> {
    const handle = this.begin(label);
    try {
      const result = await work(handle);
      handle.end();
      return result;
    } catch (error) {
      handle.fail();
      throw error;
    }
  }

  /**
   * Awaits `work`; if it throws, the step in progress (started through an event adapter,
   * say) is marked failed before the error goes on up.
   */
  async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      this.#finish("✗");
      throw error;
    }
  }

  #finish(mark: "✓" | "✗", summary?: string): void {
    const step = this.#current;
    if (!step) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#current = undefined;
    const seconds = ((this.#now() - step.startedAt) / 1000).toFixed(1);
    const text = `${summary ?? step.label} (${seconds} s)`;
    if (this.live) {
      this.#clear();
      this.#out.write(`${mark} ${text}\n`);
    } else {
      this.#out.write(`  ${mark === "✓" ? "done" : "failed"}: ${text}\n`);
    }
  }

  #clear(): void {
    if (this.live && this.#current) this.#out.write("\r\x1b[2K");
  }

  #draw(): void {
    const step = this.#current;
    if (!this.live || !step) return;
    const seconds = Math.floor((this.#now() - step.startedAt) / 1000);
    const head = `${SPINNER[step.frame % SPINNER.length]} ${step.label}  ${seconds}s`;
    const width = (this.#out.columns ?? 100) - 1;
    const tail = step.lastOutput ? `  · ${step.lastOutput}` : "";
    this.#out.write(`\r\x1b[2K${(head + tail).slice(0, width)}`);
  }
}
