// RFC 4475 "SIP Torture Test Messages": every message, driven by
// test/fixtures/rfc4475/index.tsv, handled the way the RFC says at the
// parser level. Server-level answers (416, 420, 483, 501) are the
// responder's business; here we assert the parsed facts they rely on.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMessage } from '../../../src/sip/parser.js';
import { serializeMessage } from '../../../src/sip/serializer.js';
import { validateRequest, validateResponse } from '../../../src/sip/validate.js';
import { SipParseError } from '../../../src/sip/parse-error.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message.js';
import { aorOf, isSipUri, sipUriEquals, uriComparisonForm, unescapeUriPart, type SipUri } from '../../../src/sip/uri.js';
import { viaBranch } from '../../../src/sip/via.js';
import { parseMultipart } from '../../../src/formats/multipart.js';
import type { NameAddr } from '../../../src/sip/name-addr.js';

const dir = fileURLToPath(new URL('../../fixtures/rfc4475/', import.meta.url));

interface Row {
  readonly name: string;
  readonly file: string;
  readonly section: string;
  readonly title: string;
  readonly validity: string;
}

const rows: Row[] = readFileSync(dir + 'index.tsv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [name, file, section, title, validity] = line.split('\t') as [string, string, string, string, string];
    return { name, file, section, title, validity };
  });

function bytesOf(r: Row): Buffer {
  return readFileSync(dir + r.file);
}

function parse(r: Row): SipMessage {
  return parseMessage(bytesOf(r), { datagram: true });
}

function validate(m: SipMessage): void {
  if (m.kind === 'request') validateRequest(m);
  else validateResponse(m);
}

function sip(u: unknown): SipUri {
  assert.ok(isSipUri(u as SipUri), 'expected a SIP URI');
  return u as SipUri;
}

function contactsOf(m: SipMessage): NameAddr[] {
  return m.contacts().map((c) => {
    assert.ok(!c.star);
    return c as NameAddr;
  });
}

/** serialize(parse(m)) parses to the same start line, headers and body (Content-Length restated). */
function assertRoundTrip(m: SipMessage): void {
  const again = parseMessage(serializeMessage(m));
  if (m.kind === 'request') {
    assert.equal(again.kind, 'request');
    assert.equal((again as SipRequest).method, m.method);
    assert.equal((again as SipRequest).uriString, m.uriString);
  } else {
    assert.equal(again.kind, 'response');
    assert.equal((again as SipResponse).status, m.status);
    assert.equal((again as SipResponse).reason, m.reason);
  }
  const strip = (x: SipMessage) =>
    x.headers.filter((h) => h.key !== 'content-length').map((h) => [h.name, h.key, h.value]);
  assert.deepEqual(strip(again), strip(m));
  assert.deepEqual(again.getLines('Content-Length'), [String(m.body.length)]);
  assert.deepEqual(Buffer.from(again.body), Buffer.from(m.body));
}

/** The RFC's required outcome for each invalid message: status and what the reason must name. */
const INVALID: Record<string, { status: number; reason: RegExp; response?: boolean }> = {
  badinv01: { status: 400, reason: /empty (element|parameter)/ },
  clerr: { status: 400, reason: /Content-Length 9999/ },
  ncl: { status: 400, reason: /Content-Length "-999"/ },
  scalar02: { status: 400, reason: /CSeq number too large/ },
  scalarlg: { status: 400, reason: /CSeq number too large/, response: true },
  quotbal: { status: 400, reason: /unterminated quoted string/ },
  ltgtruri: { status: 400, reason: /URI scheme "<sip"/ },
  lwsruri: { status: 400, reason: /Request-Line/ },
  lwsstart: { status: 400, reason: /Request-Line/ },
  trws: { status: 400, reason: /Request-Line/ },
  escruri: { status: 400, reason: /Request-URI must not contain headers/ },
  regbadct: { status: 400, reason: /addr-spec .* needs <>/ },
  badaspec: { status: 400, reason: /white space inside <addr-spec>/ },
  baddn: { status: 400, reason: /display name "Bell, Alexander"/ },
  badvers: { status: 505, reason: /Version Not Supported/ },
  mismatch01: { status: 400, reason: /CSeq method does not match/ },
  // RFC 4475 §3.1.2.18: 501 preferred, 400 acceptable. The codec does not
  // know which methods the element implements, so it says 400.
  mismatch02: { status: 400, reason: /CSeq method does not match/ },
  bigcode: { status: 400, reason: /status code/, response: true },
  insuf: { status: 400, reason: /missing (From|To|Call-ID) header/ },
  multi01: { status: 400, reason: /more than one (Call-ID|To|From|CSeq|Max-Forwards) header/ },
  mcl01: { status: 400, reason: /conflicting Content-Length values/ },
};

/** Parsed facts of the valid (and liberally accepted) messages. */
const FACTS: Record<string, (m: SipMessage, bytes: Buffer) => void> = {
  wsinv(m) {
    const r = m as SipRequest;
    assert.equal(r.vias().length, 3);
    assert.deepEqual(
      r.vias().map((v) => [v.transport, v.host, viaBranch(v)]),
      [
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(r.maxForwards(), 68);
    assert.deepEqual(r.cseq(), { seq: 9, method: 'INVITE' });
    assert.equal(r.get('Subject'), '');
    assert.equal(r.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.equal(r.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(r.to().params.get('tag'), '1918181833n');
    assert.equal(r.from().displayName, 'J Rosenberg \\"');
    assert.equal(r.from().params.get('tag'), '98asjd8');
    const [c] = contactsOf(r);
    assert.equal(c!.displayName, 'Quoted string ""');
    assert.equal(c!.params.get('newparam'), 'newvalue');
    assert.equal(c!.params.get('secondparam'), null);
    assert.equal(c!.params.get('q'), '0.33');
    assert.equal(sip(r.uri).params.get('unknownparam'), null);
  },
  intmeth(m) {
    const r = m as SipRequest;
    assert.equal(r.method, "!interesting-Method0123456789_*+`.%indeed'~");
    assert.equal(r.to().displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(r.from().displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(r.from().params.get("fromParam''~+*_!.-%"), 'работающий');
    assert.equal(r.callId(), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(viaBranch(r.topVia()), "z9hG4bK-.!%66*_+`'~");
    assert.equal(sip(r.uri).user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(sip(r.uri).password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  },
  esc01(m) {
    const r = m as SipRequest;
    assert.equal(unescapeUriPart(sip(r.uri).user!), 'sips:user@example.com');
    assert.equal(unescapeUriPart(sip(r.to().uri).user!), 'user');
    assert.equal(unescapeUriPart(sip(r.from().uri).user!), 'I have spaces');
    const [c] = contactsOf(r);
    const p = sip(c!.uri).params;
    assert.equal(p.get('%6C%72'), null);
    // No recursive unescaping: value%41 is not valueA.
    assert.equal(uriComparisonForm(p.get('n%61me')!), 'value%2541');
    assert.notEqual(unescapeUriPart(p.get('n%61me')!), 'valueA');
  },
  escnull(m) {
    const r = m as SipRequest;
    assert.equal(unescapeUriPart(sip(r.to().uri).user!), 'null-\0-null');
    const [a, b] = contactsOf(r);
    assert.equal(contactsOf(r).length, 2);
    assert.equal(unescapeUriPart(sip(a!.uri).user!), '\0');
    assert.equal(unescapeUriPart(sip(b!.uri).user!), '\0\0');
    assert.equal(sipUriEquals(sip(a!.uri), sip(b!.uri)), false);
    assert.notEqual(aorOf(a!.uri), aorOf(b!.uri));
  },
  esc02(m) {
    const r = m as SipRequest;
    assert.equal(r.method, 'RE%47IST%45R');
    assert.equal(r.cseq().method, 'RE%47IST%45R');
    assert.equal(r.to().displayName, '%Z%45');
    assert.equal(viaBranch(r.topVia()), 'z9hG4bK209%fzsnel234');
    // C%6Fntact is an extension header, not Contact: two Contact values, not three.
    assert.deepEqual(
      contactsOf(r).map((c) => sip(c.uri).host),
      ['host1.example.com', 'host3.example.com'],
    );
    assert.deepEqual(r.getAll('C%6Fntact'), ['<sip:alias2@host2.example.com>']);
  },
  lwsdisp(m) {
    assert.equal(m.from().displayName, 'caller');
    assert.equal(sip(m.from().uri).user, 'caller');
  },
  longreq(m) {
    const r = m as SipRequest;
    assert.equal(r.vias().length, 34);
    assert.equal(r.to().displayName!.length, 103);
    assert.equal(r.callId().length, 141);
    assert.equal(r.from().params.get('tag')!.length, 155);
  },
  dblreq(m) {
    const r = m as SipRequest;
    assert.equal(r.method, 'REGISTER');
    assert.equal(r.body.length, 0);
    // RFC 3261 §18.3: the trailing octets are discarded, never forwarded.
    const out = Buffer.from(serializeMessage(r)).toString('latin1');
    assert.ok(!out.includes('INVITE'));
    assert.ok(out.endsWith('\r\n\r\n'));
  },
  semiuri(m) {
    const u = sip((m as SipRequest).uri);
    assert.equal(unescapeUriPart(u.user!), 'user;par=u@example.net');
    assert.equal(u.host, 'example.com');
    assert.equal(u.params.size, 0);
  },
  transports(m) {
    assert.deepEqual(
      m.vias().map((v) => v.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
  },
  mpart01(m, bytes) {
    // Framed strictly by Content-Length, binary octets included.
    assert.equal(m.body.length, 553);
    const start = bytes.indexOf('\r\n\r\n') + 4;
    assert.deepEqual(Buffer.from(m.body), bytes.subarray(start, start + 553));
    assert.ok(m.body.includes(0));
    const ct = m.contentType()!;
    assert.equal(`${ct.type}/${ct.subtype}`, 'multipart/mixed');
    const parts = parseMultipart(m.body, ct.params.get('boundary')!);
    assert.equal(parts.length, 2);
    assert.equal(Buffer.from(parts[0]!.body).toString(), 'Hello');
    assert.equal(parts[1]!.headers.get('content-type'), 'application/octet-stream');
    const bin = parts[1]!.body;
    assert.ok(bin.includes(0), 'NUL kept');
    assert.equal(bin.length, 553 - (parts[1]!.body.byteOffset - m.body.byteOffset) - '\r\n--7a9cbec02ceef655--\r\n'.length);
  },
  unreason(m) {
    const r = m as SipResponse;
    assert.equal(r.status, 200);
    assert.equal(r.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  },
  noreason(m) {
    const r = m as SipResponse;
    assert.equal(r.status, 100);
    assert.equal(r.reason, '');
  },
  baddate(m) {
    // RFC 4475 §3.1.2.12: reject only if Date matters; we are liberal with Date.
    assert.equal(m.get('Date'), 'Fri, 01 Jan 2010 16:00:00 EST');
  },
  badbranch(m) {
    assert.equal(viaBranch(m.topVia()), 'z9hG4bK');
  },
  unkscm(m) {
    assert.equal((m as SipRequest).uri.scheme, 'nobodyknowsthisscheme');
  },
  novelsc(m) {
    assert.equal((m as SipRequest).uri.scheme, 'soap.beep');
  },
  unksm2(m) {
    assert.equal(m.to().uri.scheme, 'isbn');
    assert.equal(m.from().uri.scheme, 'http');
    assert.deepEqual(
      contactsOf(m).map((c) => c.uri.scheme),
      ['name'],
    );
  },
  bext01(m) {
    assert.deepEqual(m.optionTags('Require'), ['nothingsupportsthis', 'nothingsupportsthiseither']);
    assert.deepEqual(m.getAll('Proxy-Require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  },
  invut(m) {
    const ct = m.contentType()!;
    assert.equal(`${ct.type}/${ct.subtype}`, 'application/unknownformat');
    assert.equal(m.body.length, 40);
  },
  regaut01(m) {
    assert.equal(m.get('Authorization'), 'NoOneKnowsThisScheme opaque-data=here');
  },
  bcast(m) {
    assert.deepEqual(
      m.vias().map((v) => v.host),
      ['192.0.2.198', '255.255.255.255'],
    );
  },
  zeromf(m) {
    assert.equal(m.maxForwards(), 0);
  },
  cparam01(m) {
    // No <>: ";unknownparam" is a contact-param, not a URI parameter.
    const [c] = contactsOf(m);
    assert.equal(c!.params.has('unknownparam'), true);
    assert.equal(sip(c!.uri).params.has('unknownparam'), false);
  },
  cparam02(m) {
    const [c] = contactsOf(m);
    assert.equal(c!.params.has('unknownparam'), false);
    assert.equal(sip(c!.uri).params.has('unknownparam'), true);
  },
  regescrt(m) {
    const [c] = contactsOf(m);
    assert.deepEqual(sip(c!.uri).headers, [['Route', '%3Csip:sip.example.com%3E']]);
  },
  sdp01(m) {
    assert.deepEqual(m.getAll('Accept'), ['text/nobodyKnowsThis']);
  },
  inv2543(m) {
    const r = m as SipRequest;
    assert.equal(viaBranch(r.topVia()), undefined);
    assert.equal(r.from().params.has('tag'), false);
    assert.equal(r.has('Content-Length'), false);
    assert.equal(r.maxForwards(), undefined);
    // No Content-Length on a datagram: the body is the rest of it (RFC 3261 §18.3).
    assert.ok(Buffer.from(r.body).toString().startsWith('v=0\r\n'));
    assert.ok(Buffer.from(r.body).toString().endsWith('\r\n'));
  },
};

describe('RFC 4475 torture tests', () => {
  test('the index lists all 49 messages', () => {
    assert.equal(rows.length, 49);
  });

  for (const r of rows) {
    const bad = INVALID[r.name];
    const title = bad
      ? `${r.section} ${r.name}: ${r.title} → ${bad.status}`
      : `${r.section} ${r.name}: ${r.title} → accepted`;
    test(title, () => {
      if (bad) {
        const err = (() => {
          try {
            const m = parse(r);
            assert.equal(m.kind === 'response', bad.response === true, 'request/response');
            validate(m);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        assert.ok(err instanceof SipParseError, `expected SipParseError, got ${String(err)}`);
        assert.equal(err.status, bad.status);
        assert.match(err.reason, bad.reason);
        return;
      }
      const m = parse(r);
      validate(m);
      const facts = FACTS[r.name];
      facts?.(m, bytesOf(r));
      assertRoundTrip(m);
    });
  }

  test('every valid message has its facts checked and every invalid one an expected error', () => {
    for (const r of rows) {
      assert.ok(INVALID[r.name] !== undefined || FACTS[r.name] !== undefined, r.name);
    }
  });

  test('clerr and ncl on a stream are framing errors too', () => {
    for (const name of ['clerr', 'ncl']) {
      const r = rows.find((x) => x.name === name)!;
      assert.throws(() => parseMessage(bytesOf(r)), (e: unknown) => e instanceof SipParseError && /Content-Length/.test(e.reason));
    }
  });
});
