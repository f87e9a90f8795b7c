import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { computeHa1, computeResponse, portableDigestHash, type DigestAlgorithm } from '../../src/formats/digest.js';
import { NonceIssuer } from '../../src/formats/digest-nonce.js';
import { nodeDigestHash, nodeHmacSha256 } from '../../src/formats/node-digest-hash.js';

test('node:crypto H() equals the portable one for every algorithm, ASCII and UTF-8 text', () => {
  const algs: DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];
  for (const alg of algs) {
    for (const text of ['', 'alice:example.com:secret', 'jürgen:例え.jp:pässwörd', 'x'.repeat(1000)]) {
      assert.equal(nodeDigestHash(alg, text), portableDigestHash(alg, text), `${alg} of ${JSON.stringify(text.slice(0, 20))}`);
    }
  }
  // RFC 7616 §3.9.1 example: user Mufasa, password "Circle of Life", realm http-auth@example.org.
  const ha1 = computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life', nodeDigestHash);
  const response = computeResponse(
    {
      algorithm: 'MD5',
      ha1,
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    },
    nodeDigestHash,
  );
  assert.equal(response, '8ca523f5e9506fed4657c9700eebdbec');
});

test('the padded-key HMAC-SHA-256 equals createHmac for short, block-sized and long keys', () => {
  for (const keyLen of [16, 32, 63, 64, 65, 200]) {
    const key = new Uint8Array(randomBytes(keyLen));
    for (const dataLen of [0, 15, 64, 1000]) {
      const data = new Uint8Array(randomBytes(dataLen));
      assert.deepEqual(Buffer.from(nodeHmacSha256(key, data)), createHmac('sha256', key).update(data).digest(), `key ${keyLen}, data ${dataLen}`);
    }
  }
});

test('nonces issued with one HMAC check with the other (nodes on different builds share nonces)', () => {
  const secret = new Uint8Array(randomBytes(32));
  const common = { secret, now: () => 1_700_000_000_000, random: (n: number) => new Uint8Array(randomBytes(n)) };
  const portable = new NonceIssuer(common);
  const node = new NonceIssuer({ ...common, mac: nodeHmacSha256 });
  assert.equal(node.check(portable.issue()), 'valid');
  assert.equal(portable.check(node.issue()), 'valid');
  const forged = node.issue().slice(0, -2) + 'AA';
  assert.equal(node.check(forged), 'invalid');
});
