import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServer, type TestServer } from '../support/server.js';
import { TlsSipClient } from '../support/peers/tls-client.js';
import { answerChallenge, parseChallenge, serializeCredentials } from '../../src/formats/digest.js';

// sipp 3.6.1 as packaged by Debian is built without TLS (`-t l1` is missing),
// so the client here is node:tls writing raw SIP.
describe('SIP over TLS (--sips, RFC 3261 §26.2) with a self-signed certificate', { timeout: 60_000 }, () => {
  let server: TestServer;
  let tlsPort: number;
  let cert: Buffer;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simpleim-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    tlsPort = await freePort();
    server = await startServer({
      users: { alice: 'alice-pw' },
      extra: ['--sips', `127.0.0.1:${tlsPort}`, '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
    });
  });
  after(async () => {
    assert.equal(await server.stop(), 0, 'the server stops cleanly on SIGTERM');
  });

  test('the ready line lists the sips listening address', () => {
    assert.ok(server.readyLine.split(' ').includes(`sips:tls:127.0.0.1:${tlsPort}`), server.readyLine);
  });

  test('an OPTIONS over TLS gets 200, from a server whose certificate verifies against ours', async () => {
    const c = await TlsSipClient.connect(tlsPort, cert);
    try {
      assert.equal(c.socket.authorized, true);
      assert.equal(c.socket.getPeerX509Certificate()?.fingerprint256, new X509Certificate(cert).fingerprint256);
      c.send(
        [
          `OPTIONS sip:127.0.0.1:${tlsPort};transport=tls SIP/2.0`,
          `Via: SIP/2.0/TLS 127.0.0.1:${c.localPort};branch=z9hG4bK-tls-options-1`,
          'Max-Forwards: 70',
          'From: <sip:alice@example.com>;tag=tls1',
          `To: <sip:127.0.0.1:${tlsPort}>`,
          'Call-ID: tls-options-1@127.0.0.1',
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\n'),
      );
      const res = await c.read();
      assert.match(res, /^SIP\/2\.0 200 /);
      assert.match(res, /^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:\d+;branch=z9hG4bK-tls-options-1/m);
      assert.match(res, /^Allow: .*MESSAGE/m);
    } finally {
      c.close();
    }
  });

  test('a REGISTER over TLS is challenged (401) and the answered one is bound (200 with the TLS contact)', async () => {
    const c = await TlsSipClient.connect(tlsPort, cert);
    try {
      const contact = `<sip:alice@127.0.0.1:${c.localPort};transport=tls>`;
      const register = (cseq: number, extra: string[]) =>
        [
          'REGISTER sip:example.com SIP/2.0',
          `Via: SIP/2.0/TLS 127.0.0.1:${c.localPort};branch=z9hG4bK-tls-reg-${cseq}`,
          'Max-Forwards: 70',
          'From: <sip:alice@example.com>;tag=tlsreg',
          'To: <sip:alice@example.com>',
          'Call-ID: tls-register-1@127.0.0.1',
          `CSeq: ${cseq} REGISTER`,
          `Contact: ${contact}`,
          'Expires: 600',
          ...extra,
          'Content-Length: 0',
          '',
          '',
        ].join('\n');
      c.send(register(1, []));
      const challenge = await c.read();
      assert.match(challenge, /^SIP\/2\.0 401 /);
      const md5 = /^WWW-Authenticate: (Digest [^\r\n]*algorithm=MD5[^\r\n]*)$/m.exec(challenge);
      assert.ok(md5, challenge);
      const creds = answerChallenge(parseChallenge(md5[1]!), {
        username: 'alice',
        password: 'alice-pw',
        method: 'REGISTER',
        uri: 'sip:example.com',
        cnonce: 'c0ffee',
        nc: 1,
      });
      c.send(register(2, [`Authorization: ${serializeCredentials(creds)}`]));
      const ok = await c.read();
      assert.match(ok, /^SIP\/2\.0 200 /);
      assert.match(ok, new RegExp(`^Contact: <sip:alice@127\\.0\\.0\\.1:${c.localPort};transport=tls>;expires=600`, 'm'));
    } finally {
      c.close();
    }
  });
});
