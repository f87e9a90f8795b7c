// Address helpers for received/rport and flow keys. Pure (no node:net) so
// the browser transport can use them too.

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** True for an IPv6 address without brackets (optionally with an embedded IPv4 tail or a zone). */
export function isIPv6(s: string): boolean {
  return expandIPv6(s) !== undefined;
}

export function isIpAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(unbracket(s));
}

export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** An address as written in a Via sent-by or a URI host: IPv6 in brackets (RFC 3261 §25.1). */
export function formatHost(address: string): string {
  return isIPv6(address) ? `[${address}]` : address;
}

/**
 * The form used in received= and flow keys: no brackets, lower case, and
 * IPv4-mapped IPv6 (what a dual-stack socket reports) as plain IPv4.
 */
export function normalizeAddress(address: string): string {
  const a = unbracket(address).toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped ? mapped[1]! : a;
}

/** Compares two addresses, IPv6 by value ("::1" equals "0:0:0:0:0:0:0:1"). */
export function sameAddress(a: string, b: string): boolean {
  const x = normalizeAddress(a);
  const y = normalizeAddress(b);
  if (x === y) return true;
  const ex = expandIPv6(x);
  const ey = expandIPv6(y);
  return ex !== undefined && ey !== undefined && ex === ey;
}

/** The eight groups of an IPv6 address as fixed-width hex, or undefined when it is not one. */
function expandIPv6(s: string): string | undefined {
  const zone = s.indexOf('%');
  let a = (zone === -1 ? s : s.slice(0, zone)).toLowerCase();
  if (a.indexOf(':') === -1) return undefined;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    if (!isIPv4(v4[1]!)) return undefined;
    const o = v4[1]!.split('.').map(Number) as [number, number, number, number];
    a = a.slice(0, v4.index) + ((o[0] << 8) | o[1]).toString(16) + ':' + ((o[2] << 8) | o[3]).toString(16);
  }
  const halves = a.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + tail.length > 7)) return undefined;
  for (const g of groups) if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}
