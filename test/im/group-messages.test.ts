import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { parseMediaType } from '../../src/formats/media-type.js';
import { parseMultipart } from '../../src/formats/multipart.js';
import { putXcap } from './support/http-client.js';
import { isMessage, settle, waitForCount } from './support/inbox.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'mallory'];
const B = 'b1b2b3';
const uriListBody = (text: string, entries: string) =>
  `--${B}\r\nContent-Type: text/plain\r\n\r\n${text}\r\n--${B}\r\nContent-Type: application/resource-lists+xml\r\nContent-Disposition: recipient-list\r\n\r\n` +
  `<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists" xmlns:cp="urn:ietf:params:xml:ns:copycontrol">\n<list>\n${entries}</list>\n</resource-lists>\r\n--${B}--\r\n`;

describe('IM server group pager messages (OMA IM digest §3.2, RFC 5365)', () => {
  let server: TestServer;
  const uas: TestUa[] = [];
  const ua = async (user: string) => {
    const u = await TestUa.create({ user, password: `${user}-pw`, serverPort: server.sipPort });
    uas.push(u);
    return u;
  };

  before(async () => {
    server = await startServer({ users: Object.fromEntries(USERS.map((n) => [n, `${n}-pw`])) });
  });
  after(async () => {
    for (const u of uas) await u.close();
    assert.equal(await server.stop(), 0);
  });

  test('a URI-list MESSAGE to three users, one offline: 202; each gets one copy from the sender, bcc kept hidden; the offline one on REGISTER', async () => {
    const bob = await ua('bob');
    const carol = await ua('carol');
    assert.equal((await bob.register()).status, 200);
    assert.equal((await carol.register()).status, 200);
    const alice = await ua('alice');
    const entries =
      '<entry uri="sip:bob@example.com" cp:copyControl="to"/>\n<entry uri="sip:carol@example.com" cp:copyControl="cc"/>\n' +
      '<entry uri="sip:dave@example.com" cp:copyControl="bcc"/>\n<entry uri="sip:bob@example.com"/>\n';
    const res = await alice.request('MESSAGE', 'sip:conference-factory@example.com', {
      body: uriListBody('Hello all', entries),
      contentType: `multipart/mixed;boundary="${B}"`,
      headers: [['Require', 'recipient-list-message']],
    });
    assert.equal(res.status, 202);
    for (const dev of [bob, carol]) {
      const [got] = await waitForCount(dev, isMessage, 1);
      assert.match(got!.get('from') ?? '', /<sip:alice@example\.com>/);
      assert.match(got!.get('p-asserted-identity') ?? '', /<sip:alice@example\.com>/);
      const ct = parseMediaType(got!.get('content-type')!);
      const parts = parseMultipart(got!.body, ct.params.get('boundary')!);
      assert.equal(Buffer.from(parts[0]!.body).toString(), 'Hello all');
      assert.match(parts[1]!.headers.get('content-disposition') ?? '', /^recipient-list-history/);
      const history = Buffer.from(parts[1]!.body).toString();
      assert.match(history, /sip:bob@example\.com" cp:copyControl="to"/);
      assert.match(history, /sip:carol@example\.com" cp:copyControl="cc"/);
      assert.doesNotMatch(history, /dave/, 'RFC 5365: bcc recipients are never disclosed');
    }
    await settle();
    assert.equal(bob.inbox.filter(isMessage).length, 1, 'a recipient listed twice gets one copy');
    const dave = await ua('dave');
    assert.equal((await dave.register()).status, 200);
    const [stored] = await waitForCount(dave, isMessage, 1);
    assert.match(stored!.get('from') ?? '', /<sip:alice@example\.com>/);
    assert.match(stored!.bodyText(), /Hello all/);
  });

  test('URI-list errors: Require missing (400), unknown Require (420), not multipart (415)', async () => {
    const alice = await ua('alice');
    const body = uriListBody('x', '<entry uri="sip:bob@example.com"/>\n');
    const type = `multipart/mixed;boundary="${B}"`;
    assert.equal((await alice.request('MESSAGE', 'sip:conference-factory@example.com', { body, contentType: type })).status, 400);
    const r420 = await alice.request('MESSAGE', 'sip:conference-factory@example.com', { body, contentType: type, headers: [['Require', 'recipient-list-message, frobnicate']] });
    assert.equal(r420.status, 420);
    assert.equal(r420.get('unsupported'), 'frobnicate');
    const plain = await alice.request('MESSAGE', 'sip:conference-factory@example.com', { body: 'x', headers: [['Require', 'recipient-list-message']] });
    assert.equal(plain.status, 415);
  });

  test('a MESSAGE to a pre-defined group URI goes to every member but the sender; a non-member of a restricted group gets 403', async () => {
    const group = `<?xml version="1.0" encoding="UTF-8"?>
<group xmlns="urn:oma:xml:poc:list-service" xmlns:cr="urn:ietf:params:xml:ns:common-policy">
  <list-service uri="sip:team@example.com">
    <list><entry uri="sip:alice@example.com"/><entry uri="sip:erin@example.com"/><entry uri="sip:carol@example.com"/></list>
    <cr:ruleset><cr:rule id="members"><cr:conditions><is-list-member/></cr:conditions><cr:actions><join-handling>true</join-handling></cr:actions></cr:rule></cr:ruleset>
  </list-service>
</group>`;
    const put = await putXcap(server.httpPort, { name: 'alice', password: 'alice-pw' }, 'example.com', 'org.openmobilealliance.groups', 'team', 'application/vnd.oma.poc.groups+xml', group);
    assert.ok(put.status === 201 || put.status === 200, `PUT group: ${put.status} ${put.body}`);
    const erin = await ua('erin');
    const carol = await ua('carol');
    const alice = await ua('alice');
    assert.equal((await erin.register()).status, 200);
    assert.equal((await carol.register()).status, 200);
    assert.equal((await alice.register()).status, 200);
    const res = await alice.request('MESSAGE', 'sip:team@example.com', { body: 'team news', contentType: 'text/plain' });
    assert.equal(res.status, 202);
    for (const dev of [erin, carol]) {
      const got = await dev.waitFor((r) => isMessage(r) && r.bodyText() === 'team news');
      assert.match(got.get('p-asserted-identity') ?? '', /<sip:alice@example\.com>/);
      assert.equal(got.get('content-type'), 'text/plain');
    }
    await settle();
    assert.equal(alice.inbox.filter((r) => r.bodyText() === 'team news').length, 0, 'the sender gets no copy');
    const mallory = await ua('mallory');
    assert.equal((await mallory.request('MESSAGE', 'sip:team@example.com', { body: 'let me in' })).status, 403);
    assert.equal((await alice.request('MESSAGE', 'sip:nogroup@example.com', { body: 'x' })).status, 404);
  });
});
