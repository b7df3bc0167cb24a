/**
 * Words and variables of Dockerfile instructions other than RUN, as BuildKit's lexer reads
 * them: quotes group, the escape character escapes, `$VAR` / `${VAR}` / `${VAR:-default}` /
 * `${VAR:+alt}` expand (not inside single quotes). Pure.
 *
 * Our own lexer, not shell-quote: BuildKit's (frontend/dockerfile/shell/lex.go) is not a
 * shell. It treats `; | & < > ( )` and `#` as plain characters (`ENV A=x;y` is one value,
 * `COPY a#b ./` one path), has no `$'…'` quoting, takes spaces inside `${A:-a b}`, honours
 * `# escape=` inside words, and keeps the legacy `ENV NAME rest of line` as one word;
 * shell-quote splits, comments, decodes or throws on each of these.
 */

/**
 * Split a line into words the way Docker's shell lexer does for non-RUN instructions:
 * quotes group, `\` escapes, `$` expands (not inside single quotes). With `single`, the
 * whole text is one word (whitespace kept), as for the legacy ENV form.
 */
export function splitWords(
  text: string,
  vars: Readonly<Record<string, string>>,
  escapeChar = "\\",
  single = false,
): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (c === escapeChar && i + 1 < text.length) {
      const next = text[i + 1] as string;
      // Inside double quotes only \" \\ \$ are escapes; elsewhere any character is.
      if (quote !== '"' || next === '"' || next === escapeChar || next === "$") {
        word += next;
        i++;
        inWord = true;
        continue;
      }
    }
    if (c === "$") {
      const { value, length } = expandAt(text, i, vars);
      word += value;
      i += length - 1;
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (!single && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (inWord) words.push(word);
  return words;
}

/** Expand `$VAR` forms in text without touching quotes (used for JSON-form COPY paths). */
export function expand(text: string, vars: Readonly<Record<string, string>>): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "$") {
      const { value, length } = expandAt(text, i, vars);
      out += value;
      i += length - 1;
    } else out += text[i];
  }
  return out;
}

/** Expand the variable reference starting at `text[i] === "$"`; returns its value and length. */
function expandAt(
  text: string,
  i: number,
  vars: Readonly<Record<string, string>>,
): { value: string; length: number } {
  const simple = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
  if (simple) return { value: vars[simple[1] as string] ?? "", length: simple[0].length };
  if (text[i + 1] !== "{") return { value: "$", length: 1 };
  const close = text.indexOf("}", i + 2);
  if (close < 0) return { value: text.slice(i), length: text.length - i };
  const inner = text.slice(i + 2, close);
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([\s\S]*))?$/.exec(inner);
  const length = close - i + 1;
  if (!m) return { value: "", length };
  const name = m[1] as string;
  const op = m[2];
  const word = expand(m[3] ?? "", vars);
  const value = vars[name];
  switch (op) {
    case ":-":
      return { value: value ? value : word, length };
    case "-":
      return { value: value ?? word, length };
    case ":+":
      return { value: value ? word : "", length };
    case "+":
      return { value: value !== undefined ? word : "", length };
    default:
      return { value: value ?? "", length };
  }
}
