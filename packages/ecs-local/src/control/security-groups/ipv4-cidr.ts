/**
 * IPv4 CIDR ranges (`a.b.c.d/n`) and whether one holds another, for judging the CIDR rules of
 * security groups. Pure.
 */

/** A parsed IPv4 range: its network address as an unsigned 32-bit number and its prefix. */
export interface Ipv4Cidr {
  readonly network: number;
  readonly prefixLength: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * The range `text` names, or `undefined` when it is not an IPv4 CIDR (an IPv6 one, a bare
 * address). Host bits are cleared, as EC2 reads `10.0.0.5/16`: the range 10.0.0.0/16.
 */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const match = CIDR.exec(text.trim());
  if (match === null) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefixLength > 32) return undefined;
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  return { network: (address & maskOf(prefixLength)) >>> 0, prefixLength };
}

/** Whether every address of `inner` is in `outer`. */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    outer.prefixLength <= inner.prefixLength &&
    (inner.network & maskOf(outer.prefixLength)) >>> 0 === outer.network
  );
}

/** Whether `range` holds every IPv4 address: 0.0.0.0/0. */
export function isEveryAddress(range: Ipv4Cidr): boolean {
  return range.prefixLength === 0;
}

function maskOf(prefixLength: number): number {
  // A shift by 32 is a shift by 0 in JavaScript, so /0 needs its own case.
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}
