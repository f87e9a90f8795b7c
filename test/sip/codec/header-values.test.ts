import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Params } from '../../../src/sip/params.js';
import { formatNameAddr, parseContact, parseNameAddr, type NameAddr } from '../../../src/sip/name-addr.js';
import { formatVia, parseVia, viaBranch, viaReceived, viaRport, MAGIC_COOKIE } from '../../../src/sip/via.js';
import { parseCSeq, parseUint32 } from '../../../src/sip/cseq.js';
import { formatUri, type SipUri } from '../../../src/sip/uri.js';
import { quote, readQuoted, splitList } from '../../../src/sip/scan.js';
import { SipParseError } from '../../../src/sip/parse-error.js';

describe('Params (generic-param, RFC 3261 §25.1)', () => {
  test('names are case-insensitive, spelling and order are kept', () => {
    const p = Params.parse(';Tag=abc;LR;q=0.5');
    assert.equal(p.get('tag'), 'abc');
    assert.equal(p.get('lr'), null);
    assert.equal(p.has('Q'), true);
    assert.equal(p.get('expires'), undefined);
    assert.equal(p.toString(), ';Tag=abc;LR;q=0.5');
  });

  test('LWS around ";" and "=" is allowed in header parameters', () => {
    const p = Params.parse(' ;  tag   =  1918181833n ; lr ');
    assert.deepEqual(p.list, [
      { name: 'tag', value: '1918181833n', quoted: false },
      { name: 'lr', value: null, quoted: false },
    ]);
  });

  test('quoted values are unquoted, with quoted-pairs, and printed quoted again', () => {
    const p = Params.parse(';text="a \\"b\\" ;c";x=[2001:db8::1]');
    assert.equal(p.get('text'), 'a "b" ;c');
    assert.equal(p.get('x'), '[2001:db8::1]');
    assert.equal(p.toString(), ';text="a \\"b\\" ;c";x=[2001:db8::1]');
  });

  test('set, delete and clone', () => {
    const p = Params.parse(';a=1;b');
    const c = p.clone();
    p.set('A', '2').set('new', 'x y', true).delete('b');
    assert.equal(p.toString(), ';A=2;new="x y"');
    assert.equal(c.toString(), ';a=1;b');
    assert.equal(p.size, 2);
  });

  test('empty and malformed parameters are refused', () => {
    for (const bad of [';', ';;a', ';a;;b', ';a;', ';=x', ';a=', ';a="x', ';a="x"y', ';a=b c', ';a b', ';a=<x>', ';a@b']) {
      assert.throws(() => Params.parse(bad), SipParseError, JSON.stringify(bad));
    }
    assert.equal(Params.parse('').size, 0);
  });

  test('URI parameters: paramchar and escapes only, no quotes or LWS', () => {
    const p = Params.parse(';maddr=239.255.255.1;%6C%72;x=a%20b', true);
    assert.equal(p.get('%6C%72'), null);
    assert.equal(p.get('x'), 'a%20b');
    for (const bad of [';a="b"', ';a b', ';a=b c', ';a=%2', ';', ';a;']) {
      assert.throws(() => Params.parse(bad, true), SipParseError, JSON.stringify(bad));
    }
  });
});

describe('name-addr and addr-spec (RFC 3261 §20.10, §25.1)', () => {
  const uriOf = (n: NameAddr) => formatUri(n.uri);

  test('quoted display name with escapes', () => {
    const n = parseNameAddr('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8');
    assert.equal(n.displayName, 'J Rosenberg \\"');
    assert.equal(uriOf(n), 'sip:jdrosen@example.com');
    assert.equal(n.params.get('tag'), '98asjd8');
  });

  test('token display names: LWS collapsed; "<" may follow directly (RFC 4475 lwsdisp)', () => {
    assert.equal(parseNameAddr('Bob  \t Smith <sip:b@x.com>').displayName, 'Bob Smith');
    assert.equal(parseNameAddr('caller<sip:caller@example.com>;tag=323').displayName, 'caller');
    assert.equal(parseNameAddr('<sip:b@x.com>').displayName, null);
    assert.equal(parseNameAddr('"" <sip:b@x.com>').displayName, '');
  });

  test('with <>, parameters inside belong to the URI; outside to the header (RFC 4475 cparam01/02)', () => {
    const inside = parseNameAddr('<sip:+19725552222@gw1.example.net;unknownparam>');
    assert.equal((inside.uri as SipUri).params.has('unknownparam'), true);
    assert.equal(inside.params.size, 0);
    const outside = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam');
    assert.equal((outside.uri as SipUri).params.size, 0);
    assert.equal(outside.params.has('unknownparam'), true);
  });

  test('an addr-spec with "?" "," or LWS needs <> (RFC 3261 §20, RFC 4475 regbadct)', () => {
    assert.throws(() => parseNameAddr('sip:user@example.com?Route=%3Csip:sip.example.com%3E'), /needs <>/);
    assert.throws(() => parseNameAddr('sip:a@b.com, sip:c@d.com'), /needs <>/);
    const ok = parseNameAddr('<sip:user@example.com?Route=%3Csip:sip.example.com%3E>');
    assert.deepEqual((ok.uri as SipUri).headers, [['Route', '%3Csip:sip.example.com%3E']]);
  });

  test('malformed name-addr values are refused', () => {
    const cases: Array<[string, RegExp]> = [
      ['"Mr. J. User <sip:j.user@example.com>', /unterminated quoted string/],
      ['Bell, Alexander <sip:a.g.bell@bell-tel.com>', /display name/],
      ['< sip:t.watson@example.org >', /white space inside/],
      ['"Bob" x <sip:b@x.com>', /junk between/],
      ['<sip:b@x.com', /missing >/],
      ['<sip:b@x.com> junk', /junk after >/],
      ['<>', /empty/],
      ['', /empty/],
      ['<sip:b@x.com>;;', /empty parameter/],
    ];
    for (const [v, re] of cases) assert.throws(() => parseNameAddr(v), (e: unknown) => e instanceof SipParseError && re.test(e.reason), v);
  });

  test('formatNameAddr quotes display names that are not tokens and always uses <>', () => {
    const n = parseNameAddr('"Alice \\"A\\" L." <sip:alice@x.com>;tag=1');
    assert.equal(formatNameAddr(n), '"Alice \\"A\\" L." <sip:alice@x.com>;tag=1');
    assert.equal(formatNameAddr(parseNameAddr('Bob <sip:b@x.com>')), 'Bob <sip:b@x.com>');
    assert.equal(formatNameAddr(parseNameAddr('sip:b@x.com;tag=2')), '<sip:b@x.com>;tag=2');
    assert.deepEqual(parseNameAddr(formatNameAddr(n)), n);
  });

  test('Contact "*" (RFC 3261 §10.2.2)', () => {
    assert.deepEqual(parseContact(' * '), { star: true });
    assert.equal(parseContact('<sip:a@b.com>;expires=60').star, undefined);
  });
});

describe('quoted strings', () => {
  test('readQuoted returns the unescaped text and the index after the closing quote', () => {
    assert.deepEqual(readQuoted('x"a\\"b\\\\c"y', 1), ['a"b\\c', 10]);
    assert.throws(() => readQuoted('"abc', 0), /unterminated/);
    assert.throws(() => readQuoted('"abc\\', 0), /unterminated/);
  });

  test('quote escapes DQUOTE, backslash and control characters; CR/LF become SP', () => {
    assert.equal(quote('plain'), '"plain"');
    assert.equal(quote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(quote('nul\0'), '"nul\\\0"');
    assert.equal(quote('a\r\nB: x'), '"a  B: x"');
    assert.equal(readQuoted(quote('a"b\\c\0\x7f'), 0)[0], 'a"b\\c\0\x7f');
  });

  test('splitList splits on top-level commas only; empty elements are refused, an empty value is no element', () => {
    assert.deepEqual(splitList('"a, b" <sip:x@y;p=",">, <sip:z@w>'), ['"a, b" <sip:x@y;p=",">', '<sip:z@w>']);
    assert.deepEqual(splitList('  '), []);
    assert.deepEqual(splitList('timer'), ['timer']);
    assert.throws(() => splitList('a,,b'), /empty element/);
    assert.throws(() => splitList('a, "b'), /unterminated/);
  });
});

describe('Via (RFC 3261 §20.42, §18.2.1; RFC 3581)', () => {
  test('sent-protocol, sent-by and parameters', () => {
    const v = parseVia('SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5066');
    assert.equal(v.protocol, 'SIP/2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, 'pc33.atlanta.com');
    assert.equal(v.port, 5066);
    assert.equal(viaBranch(v), 'z9hG4bK776asdhds');
    assert.ok(viaBranch(v)!.startsWith(MAGIC_COOKIE));
    assert.equal(viaReceived(v), '192.0.2.1');
    assert.equal(viaRport(v), 5066);
  });

  test('rport without value is a request for it; absent is undefined (RFC 3581 §3)', () => {
    assert.equal(viaRport(parseVia('SIP/2.0/UDP h.com;rport;branch=z9hG4bK1')), null);
    assert.equal(viaRport(parseVia('SIP/2.0/UDP h.com;branch=z9hG4bK1')), undefined);
    assert.throws(() => parseVia('SIP/2.0/UDP h.com;rport=70000'), /rport/);
    assert.throws(() => parseVia('SIP/2.0/UDP h.com;rport=x'), /rport/);
  });

  test('LWS around "/" and ":" and before parameters (RFC 4475 wsinv); transport upper-cased', () => {
    const v = parseVia('SIP  /   2.0 /udp    192.0.2.2 : 5060 ;  branch = 390skdjuw');
    assert.deepEqual([v.protocol, v.transport, v.host, v.port, viaBranch(v)], ['SIP/2.0', 'UDP', '192.0.2.2', 5060, '390skdjuw']);
    assert.equal(formatVia(v), 'SIP/2.0/UDP 192.0.2.2:5060;branch=390skdjuw');
  });

  test('IPv6 sent-by and received', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKx;received=2001:db8::10');
    assert.equal(v.host, '[2001:db8::9]');
    assert.equal(v.port, 5070);
    assert.equal(viaReceived(v), '2001:db8::10');
    assert.equal(formatVia(v), 'SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bKx;received=2001:db8::10');
  });

  test('extension transports and the bare magic cookie branch (RFC 4475 transports, badbranch)', () => {
    assert.equal(parseVia('SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en').transport, 'UNKNOWN');
    assert.equal(viaBranch(parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK')), 'z9hG4bK');
  });

  test('malformed Via values are refused', () => {
    for (const bad of [
      'SIP/2.0 host.com',
      'SIP/2.0/UDP',
      'SIP/2.0/UDP ;branch=x',
      'SIP/2.0/UDPhost.com',
      'SIP/2.0/UDP host.com:',
      'SIP/2.0/UDP host.com:123456',
      'SIP/2.0/UDP host.com:70000',
      'SIP/2.0/UDP -host.com',
      'SIP/2.0/UDP host.com junk',
      'SIP/2.0/UDP 192.0.2.15;;,;,,',
      'SIP/2.0/UDP [::1',
      'SIP/2.0/UDP h.com;ttl=256',
    ]) {
      assert.throws(() => parseVia(bad), SipParseError, bad);
    }
  });
});

describe('CSeq and 32-bit numbers', () => {
  test('CSeq: number and method, leading zeros and LWS allowed', () => {
    assert.deepEqual(parseCSeq('0009\r\n  INVITE'.replace('\r\n', '')), { seq: 9, method: 'INVITE' });
    assert.deepEqual(parseCSeq(' 4294967295 REGISTER '), { seq: 4294967295, method: 'REGISTER' });
    assert.deepEqual(parseCSeq("1 !interesting-Method0123456789_*+`.%indeed'~"), { seq: 1, method: "!interesting-Method0123456789_*+`.%indeed'~" });
  });

  test('CSeq above 2^32-1 and malformed values are refused (RFC 4475 scalar02)', () => {
    assert.throws(() => parseCSeq('36893488147419103232 REGISTER'), /too large/);
    assert.throws(() => parseCSeq('4294967296 REGISTER'), /too large/);
    for (const bad of ['', 'INVITE', '1', '1INVITE', 'x INVITE', '1 INV ITE', '1 INV<ITE', '-1 INVITE']) {
      assert.throws(() => parseCSeq(bad), SipParseError, bad);
    }
  });

  test('parseUint32', () => {
    assert.equal(parseUint32('0068'), 68);
    assert.equal(parseUint32(' 3600 '), 3600);
    assert.equal(parseUint32('4294967295'), 4294967295);
    assert.equal(parseUint32('00000000004294967295'), 4294967295);
    assert.equal(parseUint32('4294967296'), undefined);
    assert.equal(parseUint32('-1'), undefined);
    assert.equal(parseUint32(''), undefined);
  });
});
