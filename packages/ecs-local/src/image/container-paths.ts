/**
 * Container paths: resolving them against a WORKDIR, and pointing the absolute paths of a
 * shell command at a stage folder on the host. Pure.
 */

/** Resolve `p` against the container directory `cwd`, normalising `.`/`..` (trailing `/` kept). */
export function resolveContainerPath(cwd: string, p: string): string {
  const joined = p.startsWith("/") ? p : `${cwd.replace(/\/+$/, "")}/${p}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  const trailing = /\/\.?$/.test(p) && parts.length > 0 ? "/" : "";
  return `/${parts.join("/")}${trailing}`;
}

/**
 * Point absolute container paths in a shell command at the stage folder, so a host step
 * such as `mkdir -p /app/data` or `rm -rf /var/lib/apt/lists/*` touches the cache copy and
 * never the host. `/dev`, `/proc`, `/sys` and paths already inside `rootDir` stay;
 * `shouldMap` can keep others (e.g. a program path such as `/usr/bin/env` that only the host has).
 */
export function mapCommandPaths(
  command: string,
  rootDir: string,
  shouldMap: (containerPath: string, atProgram: boolean) => boolean = () => true,
): string {
  const root = rootDir.replace(/\/+$/, "");
  // An absolute path starts a word: at the start, or after whitespace, `=`, `<`, `>`, `:`, `(` or a quote.
  return command.replace(
    /(^|[\s=<>:'"(])(\/(?!\/)[^\s;&|'"<>()`]*)/g,
    (whole, pre: string, p: string, offset: number) => {
      if (/^\/(dev|proc|sys)(\/|$)/.test(p)) return whole;
      if (p === root || p.startsWith(`${root}/`)) return whole;
      const atProgram = /(^|[;&|(])\s*$/.test(command.slice(0, offset + pre.length));
      return shouldMap(p, atProgram) ? `${pre}${root}${p}` : whole;
    },
  );
}
