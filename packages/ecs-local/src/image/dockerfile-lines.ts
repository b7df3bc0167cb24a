/**
 * Dockerfile text → logical lines: parser directives read, continuations joined, comments and
 * blank lines dropped. Pure.
 */

/** One instruction's text, continuation lines joined. */
export interface LogicalLine {
  /** 1-based line where the instruction starts. */
  readonly line: number;
  readonly text: string;
}

/**
 * Join continuation lines, drop comments and blank lines, and read parser directives
 * (`# syntax=` is accepted and ignored; `# escape=` changes the continuation character).
 */
export function logicalLines(text: string): { lines: LogicalLine[]; escapeChar: string } {
  const physical = text.replace(/\r\n?/g, "\n").split("\n");
  const { escapeChar, bodyStart } = readDirectives(physical);
  const lines: LogicalLine[] = [];
  let pending: { line: number; parts: string[] } | undefined;
  for (let i = bodyStart; i < physical.length; i++) {
    const raw = physical[i] ?? "";
    const trimmed = raw.trim();
    // Comment lines are removed even inside a continued instruction, as Docker does.
    if (trimmed.startsWith("#")) continue;
    // Blank lines end nothing: Docker (with a warning) keeps joining a continued instruction.
    if (trimmed === "") continue;
    const continued = raw.trimEnd().endsWith(escapeChar);
    const part = continued ? raw.trimEnd().slice(0, -1) : raw;
    if (!pending) pending = { line: i + 1, parts: [] };
    pending.parts.push(part);
    if (!continued) {
      lines.push({ line: pending.line, text: pending.parts.join("") });
      pending = undefined;
    }
  }
  if (pending) lines.push({ line: pending.line, text: pending.parts.join("") });
  return { lines, escapeChar };
}

/** The escape character the directives choose and the index of the first line after them. */
function readDirectives(physical: readonly string[]): { escapeChar: string; bodyStart: number } {
  let escapeChar = "\\";
  let i = 0;
  // Directives are only recognised at the very top, before any other line.
  for (; i < physical.length; i++) {
    const d = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(physical[i] ?? "");
    if (!d) break;
    if (d[1]?.toLowerCase() === "escape" && (d[2] === "`" || d[2] === "\\")) escapeChar = d[2];
  }
  return { escapeChar, bodyStart: i };
}
