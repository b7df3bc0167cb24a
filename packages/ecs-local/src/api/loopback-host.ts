/**
 * Whether a request's Host header names the loopback address the server listens on. The
 * servers only listen on 127.0.0.1, but a web page elsewhere could still point a DNS name of
 * its own at 127.0.0.1 and reach them through the user's browser (DNS rebinding); such a
 * request carries that name, so they answer only to loopback names.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return name === "127.0.0.1" || name === "localhost" || name === "[::1]";
}
