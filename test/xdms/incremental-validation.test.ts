import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, startXcapServer } from './helpers.js';

const DOC = `/xcap/resource-lists/users/${encodeURIComponent(ALICE)}/index`;
const LIST = `${DOC}/~~/resource-lists/list%5b@name=%22l%22%5d`;
const BODY = '<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n <list name="l">\n  <entry uri="sip:a@example.com"/>\n  <entry uri="sip:b@example.com"/>\n </list>\n</resource-lists>\n';

test('element PUTs validated incrementally still refuse what would leave the document invalid, and change nothing', async () => {
  const s = await startXcapServer();
  try {
    const put = await s.req('PUT', DOC, { user: ALICE, body: BODY, type: 'application/resource-lists+xml' });
    assert.equal(put.status, 201);
    const etag = put.headers.etag;
    // An entry without its required uri (schema), a repeated uri (uniqueness), a replacement that breaks the
    // entry's content model, and an element the list's content model does not allow.
    const bad: Array<[string, string, string]> = [
      [`${LIST}/entry%5b3%5d`, '<entry/>', 'schema-validation-error'],
      [`${LIST}/entry%5b3%5d`, '<entry uri="sip:a@example.com"/>', 'uniqueness-failure'],
      [`${LIST}/entry%5b@uri=%22sip:a@example.com%22%5d`, '<entry uri="sip:a@example.com"><bogus/></entry>', 'schema-validation-error'],
      [`${LIST}/display-name`, '<display-name>x</display-name>', 'schema-validation-error'],
    ];
    for (const [path, body, condition] of bad) {
      const r = await s.req('PUT', path, { user: ALICE, body, type: 'application/xcap-el+xml' });
      assert.equal(r.status, 409, body);
      assert.match(r.body, new RegExp(`<${condition}`), body);
    }
    const after = await s.req('GET', DOC, { user: ALICE });
    assert.equal(after.headers.etag, etag);
    assert.equal(after.body, BODY);
    // And a good one goes through, byte for byte where untouched.
    const ok = await s.req('PUT', `${LIST}/entry%5b@uri=%22sip:c@example.com%22%5d`, { user: ALICE, body: '<entry uri="sip:c@example.com"/>', type: 'application/xcap-el+xml' });
    assert.equal(ok.status, 201);
    const final = await s.req('GET', DOC, { user: ALICE });
    assert.equal(final.body, BODY.replace('<entry uri="sip:b@example.com"/>', '<entry uri="sip:b@example.com"/><entry uri="sip:c@example.com"/>'));
  } finally {
    await s.close();
  }
});

test('concurrent element PUTs to one document all commit, each on top of the last', async () => {
  const s = await startXcapServer();
  try {
    assert.equal((await s.req('PUT', DOC, { user: ALICE, body: BODY, type: 'application/resource-lists+xml' })).status, 201);
    const rs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s.req('PUT', `${LIST}/entry%5b@uri=%22sip:n${i}@example.com%22%5d`, { user: ALICE, body: `<entry uri="sip:n${i}@example.com"/>`, type: 'application/xcap-el+xml' }),
      ),
    );
    assert.deepEqual(rs.map((r) => r.status), Array(20).fill(201));
    const doc = await s.req('GET', DOC, { user: ALICE });
    for (let i = 0; i < 20; i++) assert.ok(doc.body.includes(`<entry uri="sip:n${i}@example.com"/>`), `entry ${i}`);
    assert.equal(new Set(rs.map((r) => r.headers.etag)).size, 20);
  } finally {
    await s.close();
  }
});
