// Which IP addresses a webhook may be sent to: only public ones, so that an admin's webhook URL cannot
// make the server reach its own loopback, the private network it runs in, or a cloud metadata service
// (server-side request forgery). Pure: the caller resolves the host name and asks about each address.

/** Why an address is not public, or null when it is. */
export type NonPublicReason =
  | 'loopback' | 'unspecified' | 'private' | 'link-local' | 'shared (CGNAT)' | 'multicast' | 'reserved';

/** IPv4 ranges that are not the public internet (RFC 6890 and friends), with what they are. */
const V4_RANGES: readonly [base: string, bits: number, reason: NonPublicReason][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** The address as a 32-bit number, or null when it is not dotted-quad IPv4. */
function parseV4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

const V4_PARSED = V4_RANGES.map(([base, bits, reason]) => ({ base: parseV4(base) ?? 0, size: 2 ** (32 - bits), reason }));

function v4Reason(n: number): NonPublicReason | null {
  for (const r of V4_PARSED) if (n >= r.base && n < r.base + r.size) return r.reason;
  return null;
}

/** The address as eight 16-bit groups, or null when it is not IPv6 (a zone, "%eth0", is ignored). */
function parseV6(address: string): number[] | null {
  let s = address.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return null;
  // A trailing dotted quad (::ffff:127.0.0.1) is the last two groups: written as such, it parses below.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseV4(tail);
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groupsOf(halves[0] ?? '');
  const rest = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  const explicit = [...head, ...rest];
  if (halves.length === 1) return explicit.length === 8 ? explicit : null;
  if (explicit.length > 7) return null;
  return [...head, ...new Array<number>(8 - explicit.length).fill(0), ...rest];
}

function v6Reason(g: number[]): NonPublicReason | null {
  const [g0 = 0, g1 = 0, , , , g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  const embeddedV4 = g6 * 65536 + g7;
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the old IPv4-compatible form (::a.b.c.d): the IPv4 address decides.
  if (zeroUpTo(5) && g5 === 0xffff) return v4Reason(embeddedV4);
  if (zeroUpTo(6)) return v4Reason(embeddedV4) ?? 'reserved';
  // NAT64 (64:ff9b::a.b.c.d) reaches the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4Reason(embeddedV4);
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  // Documentation, Teredo and 6to4 (which tunnel to addresses this check cannot see) are not sent to.
  if (g0 === 0x2001 && (g1 === 0x0db8 || g1 === 0)) return 'reserved';
  if (g0 === 0x2002) return 'reserved';
  // Only global unicast (2000::/3) is the public IPv6 internet.
  if ((g0 & 0xe000) !== 0x2000) return 'reserved';
  return null;
}

/**
 * Why `address` (IPv4 or IPv6, as dns.lookup gives it) is not a public internet address, or null
 * when it is. Anything that is not an IP address at all is 'reserved'.
 */
export function nonPublicReason(address: string): NonPublicReason | null {
  const v4 = parseV4(address);
  if (v4 !== null) return v4Reason(v4);
  const v6 = parseV6(address);
  if (v6 !== null) return v6Reason(v6);
  return 'reserved';
}
