/**
 * The header registry: compact forms (RFC 3261 §7.3.3 and later RFCs), the
 * spelling we print, and whether a header's values form a comma-separated
 * list (RFC 3261 §7.3.1) that may be split or joined across lines.
 */
interface HeaderSpec {
  readonly name: string;
  readonly compact?: string;
  readonly list: boolean;
}

const SPECS: readonly HeaderSpec[] = [
  { name: 'Accept', list: true },
  { name: 'Accept-Contact', compact: 'a', list: true },
  { name: 'Accept-Encoding', list: true },
  { name: 'Accept-Language', list: true },
  { name: 'Alert-Info', list: true },
  { name: 'Allow', list: true },
  { name: 'Allow-Events', compact: 'u', list: true },
  { name: 'Authentication-Info', list: false },
  // Credentials and challenges contain commas inside one value (RFC 3261 §7.3.1 exception).
  { name: 'Authorization', list: false },
  { name: 'Call-ID', compact: 'i', list: false },
  { name: 'Call-Info', list: true },
  { name: 'Contact', compact: 'm', list: true },
  { name: 'Content-Disposition', list: false },
  { name: 'Content-Encoding', compact: 'e', list: true },
  { name: 'Content-ID', list: false },
  { name: 'Content-Language', list: true },
  { name: 'Content-Length', compact: 'l', list: false },
  { name: 'Content-Type', compact: 'c', list: false },
  { name: 'CSeq', list: false },
  { name: 'Date', list: false },
  { name: 'Error-Info', list: true },
  { name: 'Event', compact: 'o', list: false },
  { name: 'Expires', list: false },
  { name: 'Flow-Timer', list: false },
  { name: 'From', compact: 'f', list: false },
  { name: 'History-Info', list: true },
  { name: 'Identity', compact: 'y', list: false },
  { name: 'In-Reply-To', list: true },
  { name: 'Max-Forwards', list: false },
  { name: 'Min-Expires', list: false },
  { name: 'Min-SE', list: false },
  { name: 'MIME-Version', list: false },
  { name: 'Organization', list: false },
  { name: 'P-Asserted-Identity', list: true },
  { name: 'P-Preferred-Identity', list: true },
  { name: 'Path', list: true },
  { name: 'Priority', list: false },
  { name: 'Privacy', list: true },
  { name: 'Proxy-Authenticate', list: false },
  { name: 'Proxy-Authorization', list: false },
  { name: 'Proxy-Require', list: true },
  { name: 'RAck', list: false },
  { name: 'Reason', list: true },
  { name: 'Record-Route', list: true },
  { name: 'Refer-To', compact: 'r', list: false },
  { name: 'Referred-By', compact: 'b', list: false },
  { name: 'Reject-Contact', compact: 'j', list: true },
  { name: 'Reply-To', list: false },
  { name: 'Request-Disposition', compact: 'd', list: true },
  { name: 'Require', list: true },
  { name: 'Retry-After', list: false },
  { name: 'Route', list: true },
  { name: 'RSeq', list: false },
  { name: 'Server', list: false },
  { name: 'Service-Route', list: true },
  { name: 'Session-Expires', compact: 'x', list: false },
  { name: 'SIP-ETag', list: false },
  { name: 'SIP-If-Match', list: false },
  { name: 'Subject', compact: 's', list: false },
  { name: 'Subscription-State', list: false },
  { name: 'Supported', compact: 'k', list: true },
  { name: 'Timestamp', list: false },
  { name: 'To', compact: 't', list: false },
  { name: 'Unsupported', list: true },
  { name: 'User-Agent', list: false },
  { name: 'Via', compact: 'v', list: true },
  { name: 'Warning', list: true },
  { name: 'WWW-Authenticate', list: false },
];

const byKey = new Map<string, HeaderSpec>();
const compactToKey = new Map<string, string>();
for (const s of SPECS) {
  byKey.set(s.name.toLowerCase(), s);
  if (s.compact) compactToKey.set(s.compact, s.name.toLowerCase());
}

// Lower-casing every header name of every message is measurable; most names
// arrive in their canonical spelling, so look those up first.
const exact = new Map<string, { key: string; name: string }>();
for (const s of SPECS) {
  const id = { key: s.name.toLowerCase(), name: s.name };
  exact.set(s.name, id);
  if (s.compact) {
    exact.set(s.compact, id);
    exact.set(s.compact.toUpperCase(), id);
  }
}
// Code asks for headers by key ('via', 'call-id') on every typed read.
const byKeySpelling = new Map<string, { key: string; name: string }>();
for (const id of exact.values()) byKeySpelling.set(id.key, id);

/** Maps any wire spelling to { key, name }: key is the lower-case long form. */
export function headerIdentity(wireName: string): { key: string; name: string } {
  const hit = exact.get(wireName) ?? byKeySpelling.get(wireName);
  if (hit) return hit;
  const lower = wireName.toLowerCase();
  const key = compactToKey.get(lower) ?? lower;
  const spec = byKey.get(key);
  return { key, name: spec ? spec.name : wireName };
}

// The parser's fast path: spellings indexed by first character, matched
// with startsWith at the line's offset, so a canonically spelled or compact
// name is recognised without slicing, scanning or hashing it.
interface KnownName {
  readonly key: string;
  readonly name: string;
  readonly length: number;
}
const byFirst: Array<Array<{ spelling: string; hit: KnownName }> | undefined> = [];
for (const [spelling, id] of exact) {
  (byFirst[spelling.charCodeAt(0)] ??= []).push({ spelling, hit: { key: id.key, name: id.name, length: spelling.length } });
}
// The headers of nearly every message first, then longer spellings before
// shorter ones ("Content-Type" before "C").
const COMMON = ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Route', 'Record-Route'];
const rank = (s: string) => {
  const i = COMMON.indexOf(s);
  return i === -1 ? 100 - s.length : i;
};
for (const list of byFirst) list?.sort((x, y) => rank(x.spelling) - rank(y.spelling));

/**
 * When the header line at text[start] begins with a canonical or compact
 * name followed by ":" or white space, returns its identity and the name's
 * length; undefined otherwise (the caller then scans the name and calls
 * headerIdentity on it).
 */
export function knownHeaderAt(text: string, start: number): KnownName | undefined {
  const c = text.charCodeAt(start);
  if (c >= 128) return undefined;
  const list = byFirst[c];
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const cand = list[i]!;
    const after = text.charCodeAt(start + cand.spelling.length);
    if ((after === 58 || after === 32 || after === 9) && text.startsWith(cand.spelling, start)) {
      return cand.hit;
    }
  }
  return undefined;
}

/** The lookup key of a header name given by code ('Call-ID', 'i', 'call-id' → 'call-id'). */
export function headerKey(name: string): string {
  return headerIdentity(name).key;
}

/** True when the header's values are a comma-separated list (RFC 3261 §7.3.1). */
export function isListHeader(key: string): boolean {
  return byKey.get(key)?.list ?? false;
}
