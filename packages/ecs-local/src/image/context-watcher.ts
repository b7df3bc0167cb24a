/**
 * Watches a build context for changes that would change the image: every folder the build
 * would send (those `.dockerignore` leaves in), each with a plain `fs.watch`. A recursive
 * watch would also follow `node_modules` and `dist`, thousands of folders the build ignores.
 */
import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { listContext, readDockerignore } from "./build-context.js";

export interface ContextWatch {
  /** Resolves once the first listing is watched. */
  readonly ready: Promise<void>;
  close(): void;
}

/**
 * Calls `onChange` once per burst of changes (after `quietMs` without another), and follows
 * folders created or removed since. Errors while listing (a folder removed mid-walk) are
 * passed to `onError`; the watch carries on with what it could list.
 */
export function watchContext(
  contextDir: string,
  onChange: () => void,
  options: { readonly quietMs?: number; readonly onError?: (error: Error) => void } = {},
): ContextWatch {
  const quietMs = options.quietMs ?? 300;
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const unwatch = () => {
    for (const w of watchers) w.close();
    watchers = [];
  };
  const rewatch = async () => {
    try {
      const entries = await listContext(contextDir, await readDockerignore(contextDir));
      if (closed) return;
      unwatch();
      const folders = ["", ...entries.filter((e) => e.type === "dir").map((e) => e.path)];
      for (const folder of folders) {
        const watcher = watch(path.join(contextDir, folder), () => changed());
        // A folder deleted under the watch ends its watcher; the next listing drops it.
        watcher.on("error", () => watcher.close());
        watchers.push(watcher);
      }
    } catch (error) {
      options.onError?.(error as Error);
    }
  };
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (closed) return;
      onChange();
      void rewatch();
    }, quietMs);
  };
  const ready = rewatch();
  return {
    ready,
    close() {
      closed = true;
      clearTimeout(timer);
      unwatch();
    },
  };
}
