/**
 * The build context as Docker would send it: `.dockerignore` rules, the list of files that
 * remain, and a content hash over them.
 *
 * Matching is @balena/dockerignore's (a port of moby's matcher: `filepath.Clean`, a leading `/`
 * dropped, `*` and `?` within a segment, `**` across segments, parent folders, the last
 * matching line wins). Reading the lines is ours, to match BuildKit where that port differs:
 * see {@link parseDockerignore} and {@link toMatcherPattern}.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, readlink } from "node:fs/promises";
import * as path from "node:path";
import dockerignore from "@balena/dockerignore";
import { DockerfileError } from "../errors.js";

/** One `.dockerignore` line that is a pattern. */
export interface IgnoreRule {
  /** The pattern as written, trimmed and without its `!`. */
  readonly pattern: string;
  /** An exception (`!pattern`): matching paths are sent after all. */
  readonly negate: boolean;
  /** 1-based line in `.dockerignore`. */
  readonly line: number;
}

/**
 * Parse `.dockerignore` text, as BuildKit reads it: a UTF-8 BOM is dropped, a line is a
 * comment only when `#` is its first character (` #x` is a pattern), whitespace around a
 * pattern and after `!` is trimmed, blank lines are skipped. Throws {@link DockerfileError}
 * for a pattern Docker would reject (a lone `!`, an unclosed `[`), naming the line.
 */
export function parseDockerignore(text: string, fileName = ".dockerignore"): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    if (raw.startsWith("#")) continue;
    const trimmed = raw.trim();
    if (trimmed === "") continue;
    const negate = trimmed.startsWith("!");
    const rule = { pattern: negate ? trimmed.slice(1).trim() : trimmed, negate, line: i + 1 };
    checkRule(rule, fileName);
    rules.push(rule);
  }
  return rules;
}

/** Whether `relPath` (posix, relative to the context) is excluded; the last matching rule wins. */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string): boolean {
  return ignoreMatcher(rules)(relPath);
}

/**
 * A function that tells whether a context path is excluded by `rules`; build it once to test
 * many paths (the patterns are compiled once).
 */
export function ignoreMatcher(rules: readonly IgnoreRule[]): (relPath: string) => boolean {
  // Case-sensitive, as Docker is on Linux (the library's default ignores case).
  const matcher = dockerignore.default({ ignorecase: false }).add(rules.map(toMatcherPattern));
  return (relPath) => matcher.ignores(relPath);
}

/**
 * The line as the library should read it. Two fixes keep it to BuildKit's behaviour
 * (moby/patternmatcher):
 * - moby escapes `+ ( ) | { }` before building its regular expression, so `c++` or
 *   `notes(1).txt` name themselves; the library escapes only `.` and `$`, so we escape the
 *   rest (a character already escaped with `\` stays as it is). A leading `#` of a pattern
 *   (` #x`) is escaped too, or the library would take the trimmed line for a comment.
 * - moby matches a pattern that starts with `**` not followed by `/` (`**.log`) as a plain
 *   suffix of the path, at any depth; the library would only match a name that is exactly
 *   `.log`. Rewritten as `**` / `*.log`, it matches what moby matches.
 */
export function toMatcherPattern(rule: IgnoreRule): string {
  let pattern = "";
  for (let i = 0; i < rule.pattern.length; i++) {
    const c = rule.pattern[i] as string;
    if (c === "\\") {
      pattern += rule.pattern.slice(i, i + 2);
      i++;
    } else if ("+()|{}".includes(c) || (c === "#" && i === 0)) pattern += `\\${c}`;
    else pattern += c;
  }
  if (/^\*\*[^/*?[\]\\][^*?[\]\\]*$/.test(rule.pattern)) pattern = `**/*${pattern.slice(2)}`;
  return rule.negate ? `!${pattern}` : pattern;
}

/** Compile the rule once so a bad pattern fails here, with its line, not while listing files. */
function checkRule(rule: IgnoreRule, fileName: string): void {
  const fail = (problem: string): never => {
    throw new DockerfileError(
      `${fileName} line ${rule.line}: ${problem} Fix or remove the line; Docker rejects it too.`,
    );
  };
  if (rule.negate && rule.pattern === "") fail("`!` has no pattern after it.");
  try {
    ignoreMatcher([rule])("probe");
  } catch (err) {
    fail(`pattern \`${rule.pattern}\` is not valid (${(err as Error).message}).`);
  }
}

export interface ContextEntry {
  /** Posix path relative to the context root. */
  readonly path: string;
  readonly type: "file" | "dir" | "symlink";
}

/** Read `<contextDir>/.dockerignore` (none → no rules). */
export async function readDockerignore(contextDir: string): Promise<IgnoreRule[]> {
  try {
    const file = path.join(contextDir, ".dockerignore");
    return parseDockerignore(await readFile(file, "utf8"), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** Every non-ignored file, symlink and directory of the context, sorted by path. */
export async function listContext(
  contextDir: string,
  rules: readonly IgnoreRule[],
): Promise<ContextEntry[]> {
  const out: ContextEntry[] = [];
  const ignores = ignoreMatcher(rules);
  // Without negations an ignored directory can be skipped whole; with them, a file below
  // it may be re-included, so we must look inside.
  const hasNegation = rules.some((r) => r.negate);
  const walk = async (rel: string): Promise<void> => {
    const dirents = await readdir(path.join(contextDir, rel), { withFileTypes: true });
    for (const d of dirents) {
      const p = rel === "" ? d.name : `${rel}/${d.name}`;
      const ignored = ignores(p);
      if (d.isDirectory()) {
        if (ignored && !hasNegation) continue;
        if (!ignored) out.push({ path: p, type: "dir" });
        await walk(p);
      } else if (!ignored && (d.isFile() || d.isSymbolicLink())) {
        out.push({ path: p, type: d.isFile() ? "file" : "symlink" });
      }
    }
  };
  await walk("");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** sha256 over `parts` and each entry's path, type and content (link target for symlinks). */
export async function hashContext(
  contextDir: string,
  entries: readonly ContextEntry[],
  parts: readonly string[],
): Promise<string> {
  const h = createHash("sha256");
  for (const p of parts) h.update(`${p.length}:${p}\0`);
  for (const e of entries) {
    h.update(`${e.type}\0${e.path}\0`);
    const full = path.join(contextDir, e.path);
    if (e.type === "file") h.update(await readFile(full));
    else if (e.type === "symlink") h.update(await readlink(full));
    h.update("\0");
  }
  return h.digest("hex");
}
