/**
 * Shell words for `/bin/sh -c`: quoting an argv into one command line. Pure.
 */

/** Quote one argument for `sh -c`, leaving plain words readable. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
