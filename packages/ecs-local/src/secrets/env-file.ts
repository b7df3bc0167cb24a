/**
 * ECS environment files (`EnvironmentFiles`), read as the ECS agent reads them. Pure.
 *
 * - One `VARIABLE=VALUE` per line; the value is everything after the first `=`, literally:
 *   no quotes removed, no spaces trimmed, no `${…}` expanded.
 * - Lines starting with `#` are comments; lines without `=` (blank ones included) are skipped,
 *   and so is a line whose variable or value is empty, as the agent skips them.
 * - Within one file a later line overrides an earlier one; across files the first file that
 *   sets a variable wins, and the container's `environment` overrides them all.
 */

/** The variables of one environment file's text. */
export function parseEnvFile(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const rawLine of text.split("\n")) {
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith("#")) continue;
    const equals = line.indexOf("=");
    if (equals <= 0 || equals === line.length - 1) continue;
    variables[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return variables;
}

/** Several environment files' variables in `EnvironmentFiles` order: the first file wins. */
export function mergeEnvFiles(
  files: readonly Readonly<Record<string, string>>[],
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const variables of files) {
    for (const [name, value] of Object.entries(variables)) {
      if (!Object.hasOwn(merged, name)) merged[name] = value;
    }
  }
  return merged;
}
