import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  aorOf,
  defaultPort,
  formatUri,
  isSipUri,
  parseUri,
  sipUriEquals,
  unescapeUriPart,
  uriComparisonForm,
  type ImUri,
  type SipUri,
  type TelUri,
} from '../../../src/sip/uri.js';
import { SipParseError } from '../../../src/sip/parse-error.js';

function sip(text: string): SipUri {
  const u = parseUri(text);
  assert.ok(isSipUri(u), text);
  return u;
}

describe('SIP and SIPS URIs (RFC 3261 §19.1)', () => {
  test('all parts: user, password, host, port, parameters, headers', () => {
    const u = sip('sips:alice:secretword@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secretword');
    assert.equal(u.host, 'atlanta.com');
    assert.equal(u.port, 5061);
    assert.equal(u.params.get('transport'), 'tcp');
    assert.equal(u.params.get('lr'), null);
    assert.equal(u.params.get('maddr'), undefined);
    assert.deepEqual(u.headers, [
      ['subject', 'project%20x'],
      ['priority', 'urgent'],
    ]);
  });

  test('RFC 3261 §19.1.3 examples parse and print back unchanged', () => {
    for (const t of [
      'sip:alice@atlanta.com',
      'sip:alice:secretword@atlanta.com;transport=tcp',
      'sips:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:+1-212-555-1212:1234@gateway.com;user=phone',
      'sips:1212@gateway.com',
      'sip:alice@192.0.2.4',
      'sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com',
      'sip:alice;day=tuesday@atlanta.com',
    ]) {
      assert.equal(formatUri(parseUri(t)), t);
    }
  });

  test('the scheme is case-insensitive and kept lower-case', () => {
    assert.equal(parseUri('SIP:bob@Biloxi.COM').scheme, 'sip');
    assert.equal(sip('SIP:bob@Biloxi.COM').host, 'Biloxi.COM');
  });

  test('IPv6 references, with and without port', () => {
    const a = sip('sip:[2001:db8::10]:5070;transport=udp');
    assert.equal(a.host, '[2001:db8::10]');
    assert.equal(a.port, 5070);
    assert.equal(sip('sip:alice@[::ffff:192.0.2.1]').host, '[::ffff:192.0.2.1]');
    assert.equal(sip('sip:[1:2:3:4:5:6:7:8]').host, '[1:2:3:4:5:6:7:8]');
    for (const bad of ['sip:[2001:db8::1', 'sip:[1:2:3]', 'sip:[1::2::3]', 'sip:[g::1]', 'sip:[12345::1]', 'sip:[::1]x']) {
      assert.throws(() => parseUri(bad), SipParseError, bad);
    }
  });

  test('escaping: user, parameters and headers keep %HH as written; bad escapes are refused', () => {
    const u = sip('sip:%61lice%20b@example.com;n%61me=v%61lue?h%41=%3Cx%3E');
    assert.equal(u.user, '%61lice%20b');
    assert.equal(unescapeUriPart(u.user!), 'alice b');
    assert.equal(u.params.get('n%61me'), 'v%61lue');
    assert.deepEqual(u.headers, [['h%41', '%3Cx%3E']]);
    for (const bad of ['sip:a%2@example.com', 'sip:a%zz@example.com', 'sip:a@example.com;p=%4', 'sip:a@example.com?h=%g1']) {
      assert.throws(() => parseUri(bad), SipParseError, bad);
    }
  });

  test('the user part may hold ";" "?" "/" and an escaped "@" (RFC 4475 semiuri)', () => {
    const u = sip('sip:user;par=u%40example.net@example.com');
    assert.equal(u.user, 'user;par=u%40example.net');
    assert.equal(u.host, 'example.com');
    assert.equal(u.params.size, 0);
  });

  test('malformed SIP URIs are refused with SipParseError', () => {
    for (const bad of [
      'sip:',
      'sip:@example.com',
      'sip:user@',
      'sip:user@-host.com',
      'sip:host:',
      'sip:host:99999',
      'sip:host:12a',
      'sip:a b@host',
      'sip:host;',
      'sip:host;;lr',
      'sip:host;=x',
      'sip:host?',
      'sip:host?noequals',
      'sip:host>',
      '<sip:host>',
      'sip:host name',
      'sip:"q"@host',
      'nocolon',
      ':x',
      '1sip:host',
    ]) {
      assert.throws(() => parseUri(bad), SipParseError, bad);
    }
  });

  test('defaultPort: 5060 for sip, 5061 for sips, else the explicit port', () => {
    assert.equal(defaultPort(sip('sip:a.com')), 5060);
    assert.equal(defaultPort(sip('sips:a.com')), 5061);
    assert.equal(defaultPort(sip('sip:a.com:5080')), 5080);
  });
});

describe('tel, im, pres and other URIs', () => {
  test('tel URIs (RFC 3966): global and local numbers with parameters', () => {
    const g = parseUri('tel:+1-201-555-0123;ext=42') as TelUri;
    assert.equal(g.scheme, 'tel');
    assert.equal(g.number, '+1-201-555-0123');
    assert.equal(g.params.get('ext'), '42');
    const l = parseUri('tel:7042;phone-context=example.com') as TelUri;
    assert.equal(l.number, '7042');
    assert.equal(l.params.get('phone-context'), 'example.com');
    assert.equal(formatUri(l), 'tel:7042;phone-context=example.com');
    assert.equal(aorOf(g), 'tel:+12015550123');
    for (const bad of ['tel:', 'tel:+', 'tel:+1 202', 'tel:xyz', 'tel:+1;;a', 'tel:+1;a=b c']) assert.throws(() => parseUri(bad), SipParseError, bad);
  });

  test('im: and pres: URIs (RFC 3860, RFC 3859)', () => {
    const im = parseUri('im:alice@example.com') as ImUri;
    assert.deepEqual([im.scheme, im.user, im.host, im.query], ['im', 'alice', 'example.com', null]);
    const pres = parseUri('pres:bob@example.org?x=y') as ImUri;
    assert.deepEqual([pres.scheme, pres.query], ['pres', 'x=y']);
    assert.equal(formatUri(pres), 'pres:bob@example.org?x=y');
    for (const bad of ['im:alice', 'im:@example.com', 'pres:bob@', 'im:a b@c']) assert.throws(() => parseUri(bad), SipParseError, bad);
  });

  test('other schemes are kept opaque (a server answers 416 for them)', () => {
    const u = parseUri('nobodyKnowsThisScheme:totallyopaquecontent');
    assert.equal(u.scheme, 'nobodyknowsthisscheme');
    assert.equal(formatUri(u), 'nobodyknowsthisscheme:totallyopaquecontent');
    assert.throws(() => parseUri('http:<x>'), SipParseError);
    assert.throws(() => parseUri('urn:'), SipParseError);
  });
});

describe('URI comparison (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string) => sipUriEquals(sip(a), sip(b)) && sipUriEquals(sip(b), sip(a));

  test('the RFC\'s equivalent pairs are equal', () => {
    assert.ok(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'));
    assert.ok(eq('sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'));
    assert.ok(
      eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'),
    );
    assert.ok(
      eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'),
    );
  });

  test('the RFC\'s non-equivalent pairs differ', () => {
    assert.ok(!eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'));
    assert.ok(!eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'));
    assert.ok(!eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'));
  });

  test('equality is not transitive: security=on and security=off differ', () => {
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=off'));
    assert.ok(!eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'));
  });

  test('reserved characters escaped are not their unescaped form; distinct octets stay distinct', () => {
    assert.ok(!eq('sip:a%3Bb@x.com', 'sip:a;b@x.com'));
    assert.ok(eq('sip:a%3bb@x.com', 'sip:a%3Bb@x.com'));
    assert.ok(!eq('sip:%00@x.com', 'sip:%00%00@x.com'));
    assert.ok(!eq('sip:%FF@x.com', 'sip:%FE@x.com'));
    assert.ok(!eq('sip:a:p1@x.com', 'sip:a:p2@x.com'));
    assert.ok(!eq('sips:a@x.com', 'sip:a@x.com'));
    assert.equal(uriComparisonForm('%61%3b%25'), 'a%3B%25');
  });
});

describe('unescaping and AOR keys', () => {
  test('unescapeUriPart decodes UTF-8 and never stops at %00', () => {
    assert.equal(unescapeUriPart('null-%00-null'), 'null-\0-null');
    assert.equal(unescapeUriPart('%C3%A9t%C3%A9'), 'été');
    assert.equal(unescapeUriPart('100%25'), '100%');
    assert.equal(unescapeUriPart('no-escapes'), 'no-escapes');
    assert.equal(unescapeUriPart('%4'), '%4');
  });

  test('aorOf: scheme, unescaped user, lower-cased host; no port or parameters (RFC 3261 §10.3)', () => {
    assert.equal(aorOf(parseUri('sip:%61lice@AtLanTa.com:5070;transport=tcp')), 'sip:alice@atlanta.com');
    assert.equal(aorOf(parseUri('sips:bob@example.org')), 'sips:bob@example.org');
    assert.equal(aorOf(parseUri('sip:example.org')), 'sip:example.org');
    assert.equal(aorOf(parseUri('sip:%C3%A9@x.org')), 'sip:é@x.org');
  });

  test('aorOf is injective: octets that are not UTF-8 and "%25" stay escaped', () => {
    const keys = ['sip:%FF@x.org', 'sip:%FE@x.org', 'sip:%25FF@x.org', 'sip:%00@x.org', 'sip:%00%00@x.org'].map((t) => aorOf(parseUri(t)));
    assert.equal(new Set(keys).size, keys.length);
    assert.equal(keys[0], 'sip:%FF@x.org');
  });
});
