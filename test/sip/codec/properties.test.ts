// Property tests of the SIP codec: generated well-formed messages round-trip
// through serialize/parse to a fixed point, and no input makes the parser,
// the validators or the typed accessors throw anything but SipParseError.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMessage } from '../../../src/sip/parser.js';
import { serializeMessage } from '../../../src/sip/serializer.js';
import { validateRequest, validateResponse } from '../../../src/sip/validate.js';
import { SipParseError } from '../../../src/sip/parse-error.js';
import type { SipMessage } from '../../../src/sip/message.js';

const enc = new TextEncoder();

function str(chars: string, min: number, max: number): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...chars.split('')), { minLength: min, maxLength: max }).map((a) => a.join(''));
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const TOKEN = ALNUM + "-.!%*_+`'~";
const token = str(TOKEN, 1, 12);
const alnum = str(ALNUM, 1, 10);
const hexByte = fc.integer({ min: 0, max: 255 }).map((b) => '%' + b.toString(16).padStart(2, '0').toUpperCase());

/** user = 1*( unreserved / escaped / user-unreserved ), with escapes. */
const user = fc
  .array(fc.oneof(str(ALNUM + "-_.!~*'()&=+$,;?/", 1, 4), hexByte), { minLength: 1, maxLength: 5 })
  .map((a) => a.join(''));

const hostname = fc
  .array(fc.tuple(alnum, fc.constantFrom('', '-x')), { minLength: 1, maxLength: 3 })
  .map((labels) => labels.map(([a, b]) => a + b).join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.constantFrom('[2001:db8::1]', '[::1]', '[fe80::a:b:c:d]', '[2001:db8:0:0:0:0:0:2]', '[::ffff:192.0.2.1]');
const host = fc.oneof(hostname, ipv4, ipv6);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });

const uriParam = fc
  .tuple(str(ALNUM + '-_.', 1, 8), fc.option(fc.oneof(str(ALNUM + '-_.!~*', 1, 8), hexByte), { nil: undefined }))
  .map(([n, v]) => (v === undefined ? `;${n}` : `;${n}=${v}`));
const uriHeader = fc.tuple(alnum, fc.array(fc.oneof(str(ALNUM + '-_.?:+$/', 1, 6), hexByte), { maxLength: 3 })).map(([n, v]) => `${n}=${v.join('')}`);

const sipUriWith = (withHeaders: boolean) => fc
  .record({
    scheme: fc.constantFrom('sip', 'sips', 'SIP'),
    user: fc.option(user, { nil: undefined }),
    password: fc.option(str(ALNUM + '&=+$,', 1, 6), { nil: undefined }),
    host,
    port,
    params: fc.array(uriParam, { maxLength: 3 }),
    headers: fc.array(uriHeader, { maxLength: withHeaders ? 2 : 0 }),
  })
  .map((u) => {
    let s = u.scheme + ':';
    if (u.user !== undefined) s += u.user + (u.password !== undefined ? ':' + u.password : '') + '@';
    s += u.host + (u.port !== undefined ? ':' + u.port : '') + u.params.join('');
    if (u.headers.length > 0) s += '?' + u.headers.join('&');
    return s;
  });
const telUri = fc
  .tuple(str('0123456789-.', 0, 8), fc.nat(9), fc.option(str(ALNUM, 1, 5), { nil: undefined }))
  .map(([a, d, ctx]) => `tel:+${a}${d}` + (ctx ? `;phone-context=${ctx}` : ''));
const imUri = fc.tuple(fc.constantFrom('im', 'pres'), alnum, hostname).map(([s, u, h]) => `${s}:${u}@${h}`);
const sipUri = sipUriWith(true);
const anyUri = fc.oneof({ weight: 4, arbitrary: sipUri }, telUri, imUri);
/** A Request-URI: no headers (RFC 3261 §19.1.5). */
const requestUri = fc.oneof({ weight: 3, arbitrary: sipUriWith(false) }, telUri, imUri);

/** quoted-string content: qdtext and quoted-pairs, UTF-8 included. */
const quotedDisplay = fc
  .array(
    fc.oneof(
      str(ALNUM + ' !#$%&()*+,-./:;<=>?@[]^_`{|}~', 1, 6),
      fc.constantFrom('\\"', '\\\\', '\\a', 'é', 'Ж', '日本'),
    ),
    { maxLength: 5 },
  )
  .map((a) => `"${a.join('')}"`);
const tokenDisplay = fc.array(token, { minLength: 1, maxLength: 3 }).map((a) => a.join(' '));
const genValue = fc.oneof(token, fc.constantFrom('[2001:db8::1]', '"quoted value"', '"a\\"b"'));
const headerParam = fc
  .tuple(token, fc.option(genValue, { nil: undefined }), fc.constantFrom('', ' '))
  .map(([n, v, sp]) => (v === undefined ? `${sp};${sp}${n}` : `${sp};${sp}${n}${sp}=${sp}${v}`));

const nameAddr = fc
  .record({
    display: fc.option(fc.oneof(quotedDisplay, tokenDisplay), { nil: undefined }),
    uri: anyUri,
    params: fc.array(headerParam, { maxLength: 3 }),
  })
  .map((n) => `${n.display !== undefined ? n.display + ' ' : ''}<${n.uri}>${n.params.join('')}`);
/** addr-spec form: the URI may carry no parameters, headers or commas. */
const addrSpec = fc
  .tuple(fc.constantFrom('sip', 'sips'), fc.option(alnum, { nil: undefined }), host, fc.array(headerParam, { maxLength: 2 }))
  .map(([s, u, h, p]) => `${s}:${u !== undefined ? u + '@' : ''}${h}${p.join('')}`);
const address = fc.oneof(nameAddr, addrSpec);

const via = fc
  .record({
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'wss', 'X-NEW'),
    host,
    port,
    branch: str(ALNUM + '-.', 1, 16),
    received: fc.option(fc.oneof(ipv4, fc.constant('2001:db8::9')), { nil: undefined }),
    rport: fc.option(fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), { nil: null }),
    spaced: fc.boolean(),
  })
  .map((v) => {
    const slash = v.spaced ? ' / ' : '/';
    let s = `SIP${slash}2.0${slash}${v.transport} ${v.host}${v.port !== undefined ? ':' + v.port : ''};branch=z9hG4bK${v.branch}`;
    if (v.received !== undefined) s += `;received=${v.received}`;
    if (v.rport !== null) s += v.rport === undefined ? ';rport' : `;rport=${v.rport}`;
    return s;
  });

interface GenHeader {
  readonly name: string;
  readonly value: string;
}

/** Header name spellings: canonical, compact, odd case. */
function named(long: string, compact: string | undefined): fc.Arbitrary<string> {
  const forms = [long, long.toLowerCase(), long.toUpperCase()];
  if (compact) forms.push(compact, compact.toUpperCase());
  return fc.constantFrom(...forms);
}

const extensionHeader = fc
  .tuple(
    token.filter((t) => !/^(via|v|from|f|to|t|call-id|i|cseq|contact|m|content-length|l|content-type|c|max-forwards|route|record-route|expires|require|proxy-require|supported|k|unsupported|accept|allow|allow-events|u|accept-contact|a|reject-contact|j|request-disposition|d|content-encoding|e|event|o|refer-to|r|referred-by|b|subject|s|session-expires|x|identity|y|flow-timer|timestamp)$/i.test(t)),
    fc.array(fc.oneof(str(ALNUM + ' !#$%&()*+,-./:;<=>?@[]^_`{|}~"\\', 1, 10), fc.constantFrom('é', '日本')), { maxLength: 4 }),
  )
  .map(([name, parts]): GenHeader => ({ name, value: parts.join('').trim() }));

function fold(v: string, doFold: boolean): string {
  // LWS = [*WSP CRLF] 1*WSP: fold at the first space when asked.
  const sp = v.indexOf(' ');
  return doFold && sp > 0 ? v.slice(0, sp) + '\r\n\t' + v.slice(sp + 1) : v;
}

function headerBlock(list: readonly GenHeader[], folds: readonly boolean[], colonSpace: readonly string[]): string {
  return list.map((h, i) => `${h.name}${colonSpace[i % colonSpace.length] ?? ': '}${fold(h.value, folds[i % folds.length] ?? false)}\r\n`).join('');
}

const body = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.string({ maxLength: 60 }).map((s) => enc.encode(s)),
  fc.uint8Array({ maxLength: 80 }),
  fc.constant(new Uint8Array([0, 13, 10, 13, 10, 0, 255, 13])),
);

const methods = fc.oneof(
  fc.constantFrom('INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'INFO'),
  token,
);

const common = fc.record({
  vias: fc.array(via, { minLength: 1, maxLength: 3 }),
  viaNames: fc.array(named('Via', 'v'), { minLength: 3, maxLength: 3 }),
  joinVias: fc.boolean(),
  from: address,
  fromName: named('From', 'f'),
  tag: str(ALNUM, 1, 10),
  to: address,
  toName: named('To', 't'),
  callId: fc.tuple(str(ALNUM + "-.!%*_+`'~()<>:\\\"/[]?{}", 1, 16), fc.option(hostname, { nil: undefined })),
  callIdName: named('Call-ID', 'i'),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  maxForwards: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  contacts: fc.array(nameAddr, { maxLength: 2 }),
  contactName: named('Contact', 'm'),
  routes: fc.array(nameAddr, { maxLength: 2 }),
  extras: fc.array(extensionHeader, { maxLength: 4 }),
  supported: fc.option(fc.array(token, { maxLength: 3 }), { nil: undefined }),
  body,
  contentType: fc.constantFrom('text/plain', 'application/sdp', 'application/octet-stream;x="a b"', 'multipart/mixed;boundary=xyz'),
  lengthName: named('Content-Length', 'l'),
  folds: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
  colonSpace: fc.array(fc.constantFrom(': ', ':', ' : ', ':\t'), { minLength: 1, maxLength: 3 }),
  order: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
});

type Common = typeof common extends fc.Arbitrary<infer T> ? T : never;

function headersOf(c: Common, method: string): GenHeader[] {
  const list: GenHeader[] = [];
  if (c.joinVias) list.push({ name: c.viaNames[0]!, value: c.vias.join(', ') });
  else c.vias.forEach((v, i) => list.push({ name: c.viaNames[i]!, value: v }));
  const rest: GenHeader[] = [
    { name: c.fromName, value: `${c.from};tag=${c.tag}` },
    { name: c.toName, value: c.to },
    { name: c.callIdName, value: c.callId[1] ? `${c.callId[0]}@${c.callId[1]}` : c.callId[0] },
    { name: 'CSeq', value: `${c.seq} ${method}` },
  ];
  if (c.maxForwards !== undefined) rest.push({ name: 'Max-Forwards', value: String(c.maxForwards) });
  for (const ct of c.contacts) rest.push({ name: c.contactName, value: ct });
  if (c.routes.length > 0) rest.push({ name: 'Route', value: c.routes.join(', ') });
  if (c.supported !== undefined) rest.push({ name: 'Supported', value: c.supported.join(', ') });
  rest.push(...c.extras);
  if (c.body.length > 0) rest.push({ name: 'Content-Type', value: c.contentType });
  // Shuffle the non-Via headers (their relative order is free, RFC 3261 §7.3.1).
  for (let i = rest.length - 1; i > 0; i--) {
    const j = c.order[i % c.order.length]! % (i + 1);
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  list.push(...rest);
  list.push({ name: c.lengthName, value: String(c.body.length) });
  return list;
}

function withBody(head: string, b: Uint8Array): Uint8Array {
  const h = enc.encode(head);
  const out = new Uint8Array(h.length + b.length);
  out.set(h);
  out.set(b, h.length);
  return out;
}

const requestBytes = fc.tuple(methods, requestUri, common).map(([method, uri, c]) =>
  withBody(`${method} ${uri} SIP/2.0\r\n${headerBlock(headersOf(c, method), c.folds, c.colonSpace)}\r\n`, c.body),
);
const responseBytes = fc
  .tuple(fc.integer({ min: 100, max: 699 }), fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')), methods, common)
  .map(([status, reason, method, c]) =>
    withBody(`SIP/2.0 ${status} ${reason}\r\n${headerBlock(headersOf(c, method), c.folds, c.colonSpace)}\r\n`, c.body),
  );
const messageBytes = fc.oneof(requestBytes, responseBytes);

function validate(m: SipMessage): void {
  if (m.kind === 'request') validateRequest(m);
  else validateResponse(m);
}

/** Everything a consumer may read, to reach every lazy parser. */
function readAll(m: SipMessage): unknown[] {
  const out: unknown[] = [];
  const read = (f: () => unknown) => {
    try {
      out.push(f());
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      out.push(['error', e.reason]);
    }
  };
  if (m.kind === 'request') read(() => m.uri);
  read(() => m.vias());
  read(() => m.from());
  read(() => m.to());
  read(() => m.callId());
  read(() => m.cseq());
  read(() => m.maxForwards());
  read(() => m.contacts());
  read(() => m.routes());
  read(() => m.recordRoutes());
  read(() => m.contentType());
  read(() => m.expires());
  read(() => m.optionTags('Supported'));
  read(() => validate(m));
  return out;
}

function snapshot(m: SipMessage) {
  return {
    start: m.kind === 'request' ? [m.method, m.uriString] : [m.status, m.reason],
    headers: m.headers.map((h) => [h.name, h.key, h.value]),
    body: Array.from(m.body),
  };
}

function onlySipParseError(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (e instanceof SipParseError) {
      assert.equal(typeof e.reason, 'string');
      assert.ok(e.status >= 400 && e.status < 600);
      return;
    }
    throw e;
  }
}

describe('SIP codec properties', () => {
  test('generated well-formed messages parse and validate', () => {
    fc.assert(
      fc.property(messageBytes, (bytes) => {
        const m = parseMessage(bytes);
        validate(m);
      }),
      { numRuns: 400 },
    );
  });

  test('serialize(parse(x)) is stable: it parses to parse(x) and serializes to itself', () => {
    fc.assert(
      fc.property(messageBytes, (bytes) => {
        const m1 = parseMessage(bytes);
        const s1 = serializeMessage(m1);
        const m2 = parseMessage(s1);
        assert.deepEqual(snapshot(m2), snapshot(m1));
        assert.deepEqual(readAll(m2), readAll(m1));
        const s2 = serializeMessage(m2);
        assert.deepEqual(Buffer.from(s2), Buffer.from(s1));
        // Untouched headers are re-emitted byte for byte.
        assert.deepEqual(Buffer.from(s1), Buffer.from(bytes));
      }),
      { numRuns: 400 },
    );
  });

  test('random bytes: only SipParseError, from parsing and from every accessor', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, datagram) => {
        onlySipParseError(() => readAll(parseMessage(bytes, { datagram })));
      }),
      { numRuns: 1000 },
    );
  });

  test('random text shaped like SIP: only SipParseError', () => {
    const piece = fc.oneof(
      fc.constantFrom('INVITE ', 'SIP/2.0', ' ', '\r\n', ':', ';', ',', '"', '<', '>', '\\', '%', '@', '[', ']', '=', '?', '&', 'sip:', 'tel:', 'Via: ', 'v:', 'From: ', 'To:', 'Contact: ', 'CSeq: ', 'Content-Length: ', '\r\n\r\n', '\t', '\0', '*', 'z9hG4bK', '/'),
      str(ALNUM, 1, 4),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        onlySipParseError(() => readAll(parseMessage(enc.encode(pieces.join('')), { datagram: true })));
      }),
      { numRuns: 1500 },
    );
  });

  test('mutations of valid messages: only SipParseError', () => {
    const special = [0, 9, 10, 13, 32, 34, 37, 44, 47, 58, 59, 60, 62, 63, 64, 91, 92, 93, 0xc3, 0xff];
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
      byte: fc.oneof(fc.constantFrom(...special), fc.nat(255)),
    });
    fc.assert(
      fc.property(messageBytes, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), (bytes, muts, datagram) => {
        let b = Array.from(bytes);
        for (const m of muts) {
          const at = b.length === 0 ? 0 : m.at % b.length;
          if (m.kind === 'replace') b[at] = m.byte;
          else if (m.kind === 'insert') b.splice(at, 0, m.byte);
          else if (m.kind === 'delete') b.splice(at, 1);
          else b = b.slice(0, at);
        }
        onlySipParseError(() => {
          const m = parseMessage(Uint8Array.from(b), { datagram });
          readAll(m);
          // Whatever parsed must serialize and parse back.
          parseMessage(serializeMessage(m));
        });
      }),
      { numRuns: 1500 },
    );
  });
});
