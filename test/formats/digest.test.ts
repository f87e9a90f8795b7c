import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  answerChallenge,
  computeHa1,
  computeResponse,
  DigestParseError,
  parseChallenge,
  parseCredentials,
  serializeChallenge,
  serializeCredentials,
  verifyResponse,
} from '../../src/formats/digest.js';
import { NonceIssuer } from '../../src/formats/digest-nonce.js';

describe('digest: worked examples', () => {
  test('RFC 2617 §3.5: MD5, qop=auth', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const r = computeResponse({
      algorithm: 'MD5',
      ha1,
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(r, '6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  };

  test('RFC 7616 §3.9.1: SHA-256 and MD5 answers through answerChallenge', () => {
    for (const [alg, expected] of [
      ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
      ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ] as const) {
      const challenge = parseChallenge(
        `Digest realm="${rfc7616.realm}", qop="auth, auth-int", algorithm=${alg}, nonce="${rfc7616.nonce}", opaque="${rfc7616.opaque}"`,
      );
      assert.deepEqual(challenge.qop, ['auth', 'auth-int']);
      const creds = answerChallenge(challenge, {
        username: 'Mufasa',
        password: 'Circle of Life',
        method: 'GET',
        uri: '/dir/index.html',
        cnonce: rfc7616.cnonce,
        nc: 1,
      });
      assert.equal(creds.response, expected);
      assert.equal(creds.opaque, rfc7616.opaque);
      assert.equal(creds.nc, '00000001');
      const wire = serializeCredentials(creds);
      const back = parseCredentials(wire);
      assert.deepEqual(back, creds);
      assert.ok(verifyResponse(back, computeHa1(alg, 'Mufasa', rfc7616.realm, 'Circle of Life'), 'GET'));
      assert.ok(!verifyResponse(back, computeHa1(alg, 'Mufasa', rfc7616.realm, 'wrong'), 'GET'));
    }
  });

  test('-sess variants derive the session key from nonce and cnonce', () => {
    const ha1 = computeHa1('SHA-256-sess', 'u', 'r', 'p');
    const a = computeResponse({ algorithm: 'SHA-256-sess', ha1, nonce: 'n', method: 'AUTH', uri: 'x', qop: 'auth', nc: '00000001', cnonce: 'c1' });
    const b = computeResponse({ algorithm: 'SHA-256-sess', ha1, nonce: 'n', method: 'AUTH', uri: 'x', qop: 'auth', nc: '00000001', cnonce: 'c2' });
    assert.notEqual(a, b);
    assert.equal(a.length, 64);
  });

  test('RFC 7977 §8.1.2 F4 challenge parses', () => {
    const c = parseChallenge('Digest realm="example.com", nonce="UvtfpVL7XnnJ63EE244fXDthfLihlMHOY4+dd4A=", qop="auth"');
    assert.equal(c.realm, 'example.com');
    assert.equal(c.nonce, 'UvtfpVL7XnnJ63EE244fXDthfLihlMHOY4+dd4A=');
    assert.deepEqual(c.qop, ['auth']);
    assert.deepEqual(parseChallenge(serializeChallenge(c)), c);
  });

  test('RFC 7977 §8.1.2 F5 credentials parse (unquoted qop and nc)', () => {
    const c = parseCredentials(
      'Digest username="alice", realm="example.com", nonce="UvtfpVL7XnnJ63EE244fXDthfLihlMHOY4+dd4A=", uri="msrps://alice@a.example.com:443;ws", response="5011d0d58fe975e0d0cdc007ae26f4b7", qop=auth, cnonce="zic5ml401prb", nc=00000001',
    );
    assert.equal(c.username, 'alice');
    assert.equal(c.uri, 'msrps://alice@a.example.com:443;ws');
    assert.equal(c.nc, '00000001');
    assert.equal(c.qop, 'auth');
  });

  test('stale=true and quoted-pair round trip', () => {
    const c = { realm: 'a "b" \\c', nonce: 'n', qop: ['auth'], stale: true, algorithm: 'SHA-256' as const, opaque: 'o' };
    assert.deepEqual(parseChallenge(serializeChallenge(c)), c);
  });

  test('malformed values fail with DigestParseError only', () => {
    for (const bad of ['Basic realm="x"', 'Digest realm="x', 'Digest realm', 'Digest nonce="x"', 'Digest realm="x", nonce="y", algorithm=SHA-512']) {
      assert.throws(() => parseChallenge(bad), DigestParseError);
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        for (const f of [parseChallenge, parseCredentials]) {
          try {
            f('Digest ' + s);
          } catch (e) {
            if (!(e instanceof DigestParseError)) throw e;
          }
        }
      }),
    );
  });
});

describe('NonceIssuer', () => {
  const secret = new Uint8Array(32).fill(7);
  let counter = 0;
  const random = (n: number) => new Uint8Array(n).map(() => counter++ & 255);

  test('valid, then stale after the lifetime; a forged nonce is invalid', () => {
    let now = 1_700_000_000_000;
    const issuer = new NonceIssuer({ secret, now: () => now, random, lifetimeMs: 60_000 });
    const nonce = issuer.issue();
    assert.equal(issuer.check(nonce), 'valid');
    now += 60_001;
    assert.equal(issuer.check(nonce), 'stale');
    const other = new NonceIssuer({ secret: new Uint8Array(32).fill(8), now: () => now, random });
    assert.equal(issuer.check(other.issue()), 'invalid');
    assert.equal(issuer.check('not a nonce!'), 'invalid');
    const flipped = nonce.slice(0, 5) + (nonce[5] === 'A' ? 'B' : 'A') + nonce.slice(6);
    assert.equal(issuer.check(flipped), 'invalid');
  });

  test('a replayed nc is rejected, out-of-order counts inside the window are accepted once', () => {
    const now = 1_700_000_000_000;
    const issuer = new NonceIssuer({ secret, now: () => now, random });
    const n = issuer.issue();
    assert.equal(issuer.check(n, '00000001'), 'valid');
    assert.equal(issuer.check(n, '00000001'), 'invalid');
    assert.equal(issuer.check(n, '00000003'), 'valid');
    assert.equal(issuer.check(n, '00000002'), 'valid');
    assert.equal(issuer.check(n, '00000002'), 'invalid');
    assert.equal(issuer.check(n, '00000000'), 'invalid');
  });

  test('memory is bounded: a forgotten nonce answers stale, never valid twice', () => {
    let now = 1_700_000_000_000;
    const issuer = new NonceIssuer({ secret, now: () => now, random, maxTracked: 10 });
    const first = issuer.issue();
    assert.equal(issuer.check(first, '00000001'), 'valid');
    for (let i = 0; i < 20; i++) {
      now += 1;
      assert.equal(issuer.check(issuer.issue(), '00000001'), 'valid');
    }
    assert.equal(issuer.check(first, '00000001'), 'stale');
  });
});
