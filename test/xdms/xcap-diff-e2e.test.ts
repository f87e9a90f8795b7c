import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { answerChallenge, parseChallenge, serializeCredentials } from '../../src/formats/digest.js';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';

const ALICE = 'sip:alice@example.com';

/** One HTTP request, answering a digest challenge as an XCAP client does. */
async function xcap(port: number, method: string, path: string, body: string, type: string): Promise<{ status: number; etag: string | undefined }> {
  const once = (auth?: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
      const headers: Record<string, string> = { 'Content-Type': type };
      if (auth) headers.Authorization = auth;
      const r = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      r.on('error', reject);
      r.end(body);
    });
  let res = await once();
  if (res.status === 401) {
    const ch = parseChallenge(String(res.headers['www-authenticate']));
    const creds = answerChallenge(ch, { username: 'alice', password: 'alice-pw', method, uri: path, cnonce: 'c0ffee', nc: 1 });
    res = await once(serializeCredentials(creds));
  }
  const etag = res.headers.etag;
  return { status: res.status, etag: typeof etag === 'string' ? etag.replace(/"/g, '') : undefined };
}

describe('xcap-diff against the real server (RFC 5875)', () => {
  let server: TestServer;
  let ua: TestUa;
  before(async () => {
    server = await startServer({ users: { alice: 'alice-pw' } });
    ua = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: server.sipPort });
  });
  after(async () => {
    await ua.close();
    await server.stop();
  });

  test('SUBSCRIBE, initial NOTIFY, then an XCAP PUT is notified with the new ETag', async () => {
    const path = `/xcap/resource-lists/users/${encodeURIComponent(ALICE)}/index`;
    const watch = `<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list><entry uri="resource-lists/users/${ALICE}/"/></list></resource-lists>`;
    const res = await ua.request('SUBSCRIBE', ALICE, {
      headers: [['Event', 'xcap-diff'], ['Expires', '600'], ['Accept', 'application/xcap-diff+xml']],
      body: watch,
      contentType: 'application/resource-lists+xml',
    });
    assert.equal(res.status, 200);
    const first = await ua.waitFor((r) => r.method === 'NOTIFY');
    assert.equal(first.get('subscription-state'), 'active;expires=600');
    assert.match(first.bodyText(), /<xcap-diff xmlns="urn:ietf:params:xml:ns:xcap-diff"/);
    assert.doesNotMatch(first.bodyText(), /<document/, 'no documents yet');

    const doc = '<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list name="friends"/></resource-lists>\n';
    const put = await xcap(server.httpPort, 'PUT', path, doc, 'application/resource-lists+xml');
    assert.equal(put.status, 201);
    assert.ok(put.etag);
    const second = await ua.waitFor((r) => r.method === 'NOTIFY' && r !== first);
    assert.match(second.bodyText(), new RegExp(`<document sel="resource-lists/users/${ALICE}/index" new-etag="${put.etag}"/>`));

    // An element PUT changes the ETag again; the NOTIFY names both.
    const entry = `${path}/~~/resource-lists/list%5b@name=%22friends%22%5d/entry%5b@uri=%22sip:bob@example.com%22%5d`;
    const put2 = await xcap(server.httpPort, 'PUT', entry, '<entry uri="sip:bob@example.com"/>', 'application/xcap-el+xml');
    assert.equal(put2.status, 201);
    const third = await ua.waitFor((r) => r.method === 'NOTIFY' && r !== first && r !== second);
    assert.match(third.bodyText(), new RegExp(`new-etag="${put2.etag}" previous-etag="${put.etag}"`));
  });

  test('subscribing to another user\'s AoR is refused', async () => {
    const res = await ua.request('SUBSCRIBE', 'sip:bob@example.com', { headers: [['Event', 'xcap-diff']] });
    assert.notEqual(res.status, 200);
  });
});
