/**
 * The build context as Docker would send it: `.dockerignore` rules (a small matcher with
 * moby/patternmatcher semantics), the list of files that remain, and a content hash over them.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, readlink } from "node:fs/promises";
import * as path from "node:path";

export interface IgnoreRule {
  readonly pattern: string;
  readonly negate: boolean;
  readonly regex: RegExp;
  /** Number of path segments, to test a pattern against a file's parent directories. */
  readonly depth: number;
}

/**
 * Parse `.dockerignore` text. Patterns are relative to the context root (a leading `/` is
 * dropped), so `*.log` matches only at the root and `**\/*.log` anywhere, as with Docker.
 */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1).trim();
    const pattern = path.posix.normalize(line.replace(/^\/+/, "")).replace(/\/+$/, "");
    if (pattern === "" || pattern === ".") continue;
    rules.push({ pattern, negate, regex: globToRegExp(pattern), depth: pattern.split("/").length });
  }
  return rules;
}

/** Whether `relPath` (posix, relative to the context) is excluded; the last matching rule wins. */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string): boolean {
  let ignored = false;
  const parts = relPath.split("/");
  for (const rule of rules) {
    let match = rule.regex.test(relPath);
    // A pattern that names a directory excludes everything below it.
    if (!match && parts.length > 1) {
      for (let n = 1; n < parts.length && !match; n++)
        match = rule.regex.test(parts.slice(0, n).join("/"));
    }
    if (match) ignored = !rule.negate;
  }
  return ignored;
}

/** `*` and `?` stay within one segment, `**` spans any number, `[...]` is a class, `\` escapes. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        i++;
        if (glob[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        re += `[${glob
          .slice(i + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      re += escapeRegExp(glob[i + 1] as string);
      i++;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export interface ContextEntry {
  /** Posix path relative to the context root. */
  readonly path: string;
  readonly type: "file" | "dir" | "symlink";
}

/** Read `<contextDir>/.dockerignore` (none → no rules). */
export async function readDockerignore(contextDir: string): Promise<IgnoreRule[]> {
  try {
    return parseDockerignore(await readFile(path.join(contextDir, ".dockerignore"), "utf8"));
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
  // Without negations an ignored directory can be skipped whole; with them, a file below
  // it may be re-included, so we must look inside.
  const hasNegation = rules.some((r) => r.negate);
  const walk = async (rel: string): Promise<void> => {
    const dirents = await readdir(path.join(contextDir, rel), { withFileTypes: true });
    for (const d of dirents) {
      const p = rel === "" ? d.name : `${rel}/${d.name}`;
      const ignored = isIgnored(rules, p);
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
