import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseSdp, serializeSdp, SdpParseError, connectionAddress } from '../../src/formats/sdp.js';
import { answerMsrpMedia, answerSetup, buildMsrpSdp, offererRole, parseMsrpMedia } from '../../src/formats/sdp-msrp.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const sdpFiles = [
  ...readdirSync(join(FIX, 'rfc4975')).filter((f) => f.endsWith('.sdp') && !f.includes('as-printed')).map((f) => join(FIX, 'rfc4975', f)),
  ...readdirSync(join(FIX, 'rfc7977')).filter((f) => f.endsWith('.sdp')).map((f) => join(FIX, 'rfc7977', f)),
];

describe('SDP for MSRP (RFC 4975 §8)', () => {
  for (const file of sdpFiles) {
    test(`${file.split('/').slice(-2).join('/')} round-trips and yields MSRP media`, () => {
      const bytes = readFileSync(file);
      const sd = parseSdp(bytes);
      assert.equal(serializeSdp(sd), bytes.toString('utf8'));
      const m = parseMsrpMedia(sd.media[0]!);
      assert.ok(m.path.length >= 1);
      assert.ok(m.acceptTypes.length >= 1);
      assert.equal(m.tls, sd.media[0]!.proto === 'TCP/TLS/MSRP');
    });
  }

  test('RFC 7977 §8.2.1: the relay comes first in a=path and the ws URI last', () => {
    const m = parseMsrpMedia(parseSdp(readFileSync(join(FIX, 'rfc7977', 's8.2.1-offer-alice-via-relay.sdp'))).media[0]!);
    assert.deepEqual(m.path, ['msrps://a.example.com:2855/jui787s2f;tcp', 'msrps://df7jal23ls0d.invalid:2855/98cjs;ws']);
  });

  test('RFC 4975 §14.4: the fingerprint of a TLS stream is read', () => {
    const m = parseMsrpMedia(parseSdp(readFileSync(join(FIX, 'rfc4975', 's14.4-fig19-fingerprint.sdp'))).media[0]!);
    assert.match(m.fingerprint!, /^SHA-1 4A:AD/);
  });

  test('offer template (OMA IM digest §9.1) built, parsed back, answered', () => {
    const offer = buildMsrpSdp({
      sessionId: '3602771834',
      sessionVersion: '3602771834',
      media: {
        path: ['msrp://192.0.2.10:7394/s3kd83jf0q;tcp'],
        acceptTypes: ['message/cpim', 'application/im-iscomposing+xml'],
        acceptWrappedTypes: ['text/plain', 'message/imdn+xml'],
        setup: 'actpass',
        connection: 'new',
        maxSize: 1048576,
        cema: true,
        direction: 'sendrecv',
      },
    });
    const text = serializeSdp(offer);
    assert.match(text, /^v=0\r\no=- 3602771834 3602771834 IN IP4 192\.0\.2\.10\r\ns=-\r\nc=IN IP4 192\.0\.2\.10\r\nt=0 0\r\nm=message 7394 TCP\/MSRP \*\r\n/);
    const parsed = parseSdp(text);
    assert.equal(connectionAddress(parsed, parsed.media[0]!), '192.0.2.10');
    const m = parseMsrpMedia(parsed.media[0]!);
    assert.equal(m.maxSize, 1048576);
    assert.equal(m.cema, true);
    const answer = answerMsrpMedia(m, { path: ['msrp://192.0.2.20:2855/abc;tcp'], acceptTypes: ['message/cpim'] });
    // actpass is answered active (OMA §5.8.1; NAT friendly); msrp-cema is echoed when offered (RFC 6714).
    assert.equal(answer.setup, 'active');
    assert.equal(answer.cema, true);
    assert.equal(offererRole(answer.setup), 'passive');
  });

  test('RFC 6135 setup table', () => {
    assert.equal(answerSetup('actpass'), 'active');
    assert.equal(answerSetup('active'), 'passive');
    assert.equal(answerSetup('passive'), 'active');
    assert.equal(answerSetup('holdconn'), 'holdconn');
    // No a=setup: RFC 4975 §5.4, the offerer connects.
    assert.equal(answerSetup(undefined), 'passive');
    assert.equal(offererRole(undefined), 'active');
  });

  test('malformed MSRP media is refused', () => {
    const bad = (lines: string) => () => parseMsrpMedia(parseSdp(`m=message 1 TCP/MSRP *\r\n${lines}`).media[0]!);
    assert.throws(bad('a=path:msrp://a:1/s;tcp\r\n'), SdpParseError);
    assert.throws(bad('a=accept-types:text/plain\r\n'), SdpParseError);
    assert.throws(() => parseMsrpMedia(parseSdp('m=message 1 TCP/MSRP 0\r\na=path:x\r\na=accept-types:*\r\n').media[0]!), SdpParseError);
    assert.throws(() => parseSdp('nonsense\r\n'), SdpParseError);
  });
});
