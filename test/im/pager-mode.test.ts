import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { uaPool } from '../support/test-ua.js';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin'];

describe('IM server pager mode (RFC 3428, OMA IM digest §3.1)', () => {
  let server: TestServer;
  const { ua, closeAll } = uaPool(() => server.sipPort);

  before(async () => {
    server = await startServer({
      users: Object.fromEntries(USERS.map((n) => [n, `${n}-pw`])),
      env: { SIMPLEIM_PAGER_MAX_BYTES: '4000' },
    });
  });
  after(async () => {
    await closeAll();
    assert.equal(await server.stop(), 0);
  });

  test('a MESSAGE of any media type reaches every IM-capable device of the recipient, not its other devices', async () => {
    const b1 = await ua('bob');
    const b2 = await ua('bob', 'TCP');
    const plain = await ua('bob');
    assert.equal((await b1.register()).status, 200);
    assert.equal((await b2.register()).status, 200);
    assert.equal((await plain.register({ contactParams: '' })).status, 200);
    const alice = await ua('alice');
    const bodies: Array<[string, string]> = [
      ['text/plain;charset=UTF-8', 'hello'],
      ['message/cpim', 'From: <sip:alice@example.com>\r\nTo: <sip:bob@example.com>\r\nDateTime: 2024-01-02T03:04:05Z\r\n\r\nContent-Type: text/plain\r\n\r\nhi'],
      ['application/im-iscomposing+xml', '<?xml version="1.0"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state></isComposing>'],
      ['message/imdn+xml', '<?xml version="1.0"?><imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>x</message-id></imdn>'],
    ];
    for (const [type, body] of bodies) {
      const res = await alice.request('MESSAGE', 'sip:bob@example.com', { body, contentType: type });
      assert.equal(res.status, 200, type);
      for (const dev of [b1, b2]) {
        const got = await dev.waitFor((r) => r.method === 'MESSAGE' && r.bodyText() === body);
        assert.equal(got.get('content-type'), type);
        assert.match(got.get('p-asserted-identity') ?? '', /sip:alice@example\.com/);
      }
    }
    assert.equal(plain.inbox.filter((r) => r.method === 'MESSAGE').length, 0, 'a device without +g.oma.sip-im gets no pager message');
  });

  test('size: 513 past the UDP limit, 413 past the absolute pager limit, TCP carries what UDP cannot', async () => {
    const carol = await ua('carol', 'TCP');
    assert.equal((await carol.register()).status, 200);
    const udp = await ua('alice');
    const tcp = await ua('alice', 'TCP');
    const mid = 'x'.repeat(2000);
    const big = 'y'.repeat(5000);
    assert.equal((await udp.request('MESSAGE', 'sip:carol@example.com', { body: mid })).status, 513);
    assert.equal((await tcp.request('MESSAGE', 'sip:carol@example.com', { body: mid })).status, 200);
    await carol.waitFor((r) => r.bodyText() === mid);
    const r413 = await tcp.request('MESSAGE', 'sip:carol@example.com', { body: big });
    assert.equal(r413.status, 413);
    assert.equal(carol.inbox.filter((r) => r.bodyText() === big).length, 0);
  });
});
