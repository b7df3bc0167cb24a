/**
 * Shell words of RUN commands, read and written with shell-quote as `/bin/sh -c` would see
 * them. Pure.
 *
 * shell-quote splits words and operators (`&&`, `||`, `;`, `|`, `&`, `(`, `)`, redirections),
 * removes quotes and escapes, and writes quoted words. Where it reads a command differently
 * from sh, the fix is here, beside the call, with the reason.
 */
// Subpath imports: the package's index.d.ts also declares a global overload of Array#join.
import parse from "shell-quote/parse.js";
import quote from "shell-quote/quote.js";

/** A shell operator such as `&&`, `|`, `(` or `>`. */
export interface ShellOperator {
  readonly op: string;
}

/** A word (quotes removed, `$VAR` kept as written, globs unexpanded) or an operator. */
export type ShellToken = string | ShellOperator;

/**
 * The tokens of a shell command. Variables stay as written (`${HOME}`): RUN leaves them to
 * the shell, and classification must not depend on this machine's environment.
 */
export function shellTokens(command: string): ShellToken[] {
  // sh ends a command at a newline (after joining `\`-newline); shell-quote reads it as a space.
  return tokensOf(command.replace(/\\\n/g, "").replace(/\n/g, ";"));
}

function tokensOf(text: string): ShellToken[] {
  const { entries, parsed } = parseKeepingVariables(text);
  const out: ShellToken[] = [];
  for (const entry of entries) {
    if (typeof entry === "string") out.push(entry);
    else if ("comment" in entry) return continueAfterHash(parsed, entry.comment, out);
    else if (entry.op === "glob") out.push(entry.pattern);
    else out.push({ op: entry.op });
  }
  return out;
}

/** shell-quote's entries for `text`, and the text it parsed (comments are offsets into it). */
function parseKeepingVariables(text: string): { entries: parse.ParseEntry[]; parsed: string } {
  try {
    return { entries: parse(text, keepVariable), parsed: text };
  } catch {
    // shell-quote rejects whitespace inside an unquoted `${…}` ("Bad substitution") where sh
    // accepts it (`${A:-a b}`); read every `$` literally then.
    const parsed = text.replace(/(?<!\\)((?:\\\\)*)\$/g, "$1\\$");
    return { entries: parse(parsed), parsed };
  }
}

/** shell-quote calls this for each `$name`; a lone `$` (as in `$(`) has the empty name. */
function keepVariable(name: string): string {
  return name === "" ? "$" : `\${${name}}`;
}

/**
 * shell-quote starts a comment at any unquoted `#`, but sh only at the start of a word:
 * `pip install git+https://h/r.git#egg=x && apt-get install -y curl` is two commands, not a
 * pip command and a comment. A comment always runs to the end of the text, so where its `#`
 * is inside a word, glue it back to that word and read on from there.
 */
function continueAfterHash(text: string, comment: string, before: ShellToken[]): ShellToken[] {
  const hash = text.length - comment.length - 1;
  if (hash === 0 || /[\s;&|()<>]/.test(text[hash - 1] as string)) return before;
  const rest = tokensOf(comment);
  const last = before.at(-1);
  const word = typeof last === "string" ? `${before.pop()}#` : "#";
  const first = rest[0];
  if (typeof first === "string" && /^[^\s;&|()<>]/.test(comment)) {
    return [...before, word + first, ...rest.slice(1)];
  }
  return [...before, word, ...rest];
}

/** Operators that end a simple command. */
const SEPARATORS = new Set(["&&", "||", ";", "|", "&", "|&", ";;", ";&", ";;&"]);

/** Operators whose next word is a file (or a descriptor, or a here-document word), not an argument. */
const REDIRECTIONS = new Set([
  ">",
  ">>",
  "<",
  ">&",
  "<&",
  "&>",
  "&>>",
  ">|",
  "<>",
  "<<",
  "<<-",
  "<<<",
]);

/**
 * The simple commands of a shell command line, each as its words: split at separators,
 * with subshells and `$(…)` / `<(…)` / `>(…)` read as commands of their own (the words after
 * a substitution continue the command around it), redirections and arithmetic `$((…))` left
 * out. Backquotes are not read: a word with one counts as a program of its own, "`…`", which
 * is unknown, so such a step is never run on the host.
 */
export function simpleCommands(command: string): string[][] {
  const tokens = shellTokens(command);
  const commands: string[][] = [];
  const outer: string[][] = [];
  let words: string[] = [];
  const finish = (): void => {
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as ShellToken;
    if (typeof t === "string") {
      if (t.includes("`")) commands.push(["`…`"]);
      words.push(t);
    } else if (REDIRECTIONS.has(t.op)) {
      // `2>&1`: the 2 is a descriptor, not an argument.
      if (/^\d+$/.test(words.at(-1) ?? "")) words.pop();
      if (typeof tokens[i + 1] === "string") i++;
    } else if (t.op === "(" && dropDollar(words)) {
      if (isOp(tokens[i + 1], "(")) i = skipArithmetic(tokens, i);
      else {
        outer.push(words);
        words = [];
      }
    } else if (t.op === "(" || t.op === "<(" || t.op === ">(") {
      if (t.op === "(") finish();
      outer.push(t.op === "(" ? [] : words);
      words = [];
    } else if (t.op === ")") {
      finish();
      words = outer.pop() ?? [];
    } else if (SEPARATORS.has(t.op)) finish();
  }
  finish();
  return commands;
}

function isOp(token: ShellToken | undefined, op: string): boolean {
  return typeof token === "object" && token.op === op;
}

/** Whether the last word ends in the `$` of `$(`; if so that `$` is removed from it. */
function dropDollar(words: string[]): boolean {
  const last = words.at(-1);
  if (last === undefined || !last.endsWith("$")) return false;
  if (last === "$") words.pop();
  else words[words.length - 1] = last.slice(0, -1);
  return true;
}

/** Index of the `)` that closes the `$((` starting at `tokens[i]`. */
function skipArithmetic(tokens: readonly ShellToken[], i: number): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    if (isOp(tokens[j], "(")) depth++;
    else if (isOp(tokens[j], ")") && --depth === 0) return j;
  }
  return tokens.length;
}

/**
 * One argument for `sh -c`. Words of characters sh reads literally stay as written, so
 * commands in notices and in the "rerun it by hand" line read like the Dockerfile; shell-quote
 * would also backslash `=`, `:`, `,` and `@`. Others are quoted by shell-quote. `first`: the
 * command word, where a `=` must be quoted or sh would take the word for an assignment.
 */
export function shellWord(arg: string, first = false): string {
  const plain = /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) && !(first && arg.includes("="));
  return plain ? arg : quote([arg]);
}

/** An argv as one `sh -c` command line (exec-form RUN, the "rerun it by hand" line). */
export function shellCommandLine(argv: readonly string[]): string {
  return argv.map((arg, i) => shellWord(arg, i === 0)).join(" ");
}
