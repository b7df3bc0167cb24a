/**
 * Wildcard patterns turned into regular expressions, the one matcher ecs-local has. Two
 * readers use it with the rules of the thing they mirror:
 * - COPY/ADD sources (`COPY src/*.ts ./`): `*` and `?` stay within one path segment, `**`
 *   spans any number of segments, `[...]` is a class, `\` escapes (Go's filepath.Match, as
 *   Docker uses it);
 * - ALB listener rules (`/api/*`, `*.example.com`): `*` is any run of characters, `/`
 *   included, and `?` any one character; host headers ignore case, paths do not.
 * Pure.
 */

export interface GlobOptions {
  /** Whether `*` and `?` match `/` too (ALB rules) or stop at it (file paths). @default false */
  readonly crossSlash?: boolean;
  /** @default false */
  readonly ignoreCase?: boolean;
}

export function globToRegExp(glob: string, options: GlobOptions = {}): RegExp {
  const any = options.crossSlash ? "." : "[^/]";
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") {
      if (!options.crossSlash && glob[i + 1] === "*") {
        i++;
        if (glob[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += `${any}*`;
    } else if (c === "?") re += any;
    else if (c === "[" && !options.crossSlash) {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        re += `[${glob
          .slice(i + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = close;
      }
    } else if (c === "\\" && i + 1 < glob.length && !options.crossSlash) {
      re += escapeRegExp(glob[i + 1] as string);
      i++;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, options.ignoreCase ? "i" : "");
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
