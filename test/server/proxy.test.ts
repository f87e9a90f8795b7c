import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freePort, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';
import { createResponse } from '../../src/sip/response.js';
import { newTag } from '../../src/sip/ids.js';
import { SipRequest } from '../../src/sip/message.js';
import { answerChallenge, parseChallenge, serializeCredentials } from '../../src/formats/digest.js';

const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'ivan', 'judy'];

describe('SIP/IP core: authenticated identity, proxy and location (RFC 3261 §16, RFC 3325, RFC 3841)', () => {
  let server: TestServer;
  let routePort: number;
  const uas: TestUa[] = [];
  const ua = async (user: string, protocol: 'UDP' | 'TCP' = 'UDP', algorithm?: 'MD5' | 'SHA-256') => {
    const u = await TestUa.create({ user, password: `${user}-pw`, serverPort: server.sipPort, protocol, algorithm });
    uas.push(u);
    return u;
  };

  before(async () => {
    routePort = await freePort();
    server = await startServer({
      users: Object.fromEntries(NAMES.map((n) => [n, `${n}-pw`])),
      env: {
        SIMPLEIM_ROUTES: JSON.stringify({ 'other.example': `sip:127.0.0.1:${routePort}` }),
        SIMPLEIM_DIGEST_ALGORITHMS: 'MD5,SHA-256',
      },
    });
  });
  after(async () => {
    for (const u of uas) await u.close();
    await server.stop();
  });

  test('a request from a local user without credentials is challenged with 407, one challenge per configured algorithm (MD5, SHA-256)', async () => {
    const alice = await ua('alice');
    const res = await alice.request('MESSAGE', 'sip:bob@example.com', { body: 'hi', auth: false });
    assert.equal(res.status, 407);
    const ch = res.getLines('Proxy-Authenticate');
    assert.ok(ch.some((c) => /algorithm=MD5/.test(c)) && ch.some((c) => /algorithm=SHA-256/.test(c)));
    assert.ok(ch.every((c) => /qop="auth"/.test(c)));
  });

  test('REGISTER with SHA-256 digest (RFC 8760) succeeds', async () => {
    const bob = await ua('bob', 'UDP', 'SHA-256');
    const res = await bob.register();
    assert.equal(res.status, 200);
  });

  test('a wrong password gets 403 (no endless re-challenge)', async () => {
    const u = await TestUa.create({ user: 'carol', password: 'nope', serverPort: server.sipPort });
    uas.push(u);
    assert.equal((await u.register()).status, 403);
  });

  test('a replayed nonce-count is not accepted (nc replay protection)', async () => {
    const carol = await ua('carol');
    const challenge = await carol.request('REGISTER', 'sip:example.com', { to: carol.aor, auth: false, headers: [['Contact', `<${carol.contactUri()}>`]] });
    assert.equal(challenge.status, 401);
    const c = parseChallenge(challenge.getLines('WWW-Authenticate')[0]!);
    const creds = serializeCredentials(
      answerChallenge(c, { username: 'carol', password: 'carol-pw', method: 'REGISTER', uri: 'sip:example.com', cnonce: 'abcdef01', nc: 1 }),
    );
    const send = () =>
      carol.request('REGISTER', 'sip:example.com', {
        to: carol.aor,
        auth: false,
        headers: [['Contact', `<${carol.contactUri()}>`], ['Authorization', creds]],
      });
    assert.equal((await send()).status, 200);
    const replay = await send();
    assert.equal(replay.status, 401, 'the same nonce and nc a second time is challenged again');
  });

  test('the server asserts the authenticated identity and drops any P-Asserted-Identity the client sent', async () => {
    const dave = await ua('dave');
    const erin = await ua('erin');
    assert.equal((await erin.register()).status, 200);
    const res = await dave.request('MESSAGE', 'sip:erin@example.com', {
      body: 'who am I',
      headers: [['P-Asserted-Identity', '<sip:boss@example.com>'], ['P-Preferred-Identity', '<sip:boss@example.com>']],
    });
    assert.equal(res.status, 200);
    const got = await erin.waitFor((r) => r.method === 'MESSAGE');
    assert.deepEqual(got.getLines('P-Asserted-Identity'), ['<sip:dave@example.com>']);
    assert.equal(got.has('P-Preferred-Identity'), false);
    assert.equal(got.has('Proxy-Authorization'), false, 'consumed credentials are not forwarded');
    assert.equal(got.bodyText(), 'who am I');
  });

  test('a From that is not the authenticated user AoR is refused with 403 (no spoofed From)', async () => {
    const dave = await ua('dave');
    const res = await dave.request('MESSAGE', 'sip:erin@example.com', { body: 'x', from: 'sip:alice@example.com' });
    assert.equal(res.status, 403);
    assert.match(res.reason, /From/);
  });

  test('404 for an unknown user, 480 for a known user with no binding when only the principal may take it', async () => {
    const alice = await ua('alice');
    assert.equal((await alice.request('MESSAGE', 'sip:nobody@example.com', { body: 'x' })).status, 404);
    // A sender that wants the principal only (no deferred storage, OMA IM digest §6.11) sees the 480.
    const principalOnly = ['Accept-Contact', '*;actor="principal";require;explicit'] as const;
    assert.equal((await alice.request('MESSAGE', 'sip:judy@example.com', { body: 'x', headers: [principalOnly] })).status, 480);
  });

  test('parallel forking: a MESSAGE reaches every registered device and the 200 is relayed', async () => {
    const f1 = await ua('frank');
    const f2 = await ua('frank', 'TCP');
    assert.equal((await f1.register()).status, 200);
    assert.equal((await f2.register()).status, 200);
    const alice = await ua('alice');
    const res = await alice.request('MESSAGE', 'sip:frank@example.com', { body: 'to all devices' });
    assert.equal(res.status, 200);
    await f1.waitFor((r) => r.method === 'MESSAGE');
    await f2.waitFor((r) => r.method === 'MESSAGE');
  });

  test('best response: when every device refuses, the most specific failure is returned (§16.7)', async () => {
    const g1 = await ua('gina');
    const g2 = await ua('gina');
    g1.handler = () => 486;
    g2.handler = () => 503;
    await g1.register();
    await g2.register();
    const alice = await ua('alice');
    const res = await alice.request('MESSAGE', 'sip:gina@example.com', { body: 'x' });
    assert.equal(res.status, 486);
  });

  test('Accept-Contact *;+g.oma.sip-im reaches only the devices that registered +g.oma.sip-im (RFC 3841)', async () => {
    const im = await ua('hank');
    const plain = await ua('hank');
    await im.register({ contactParams: ';+g.oma.sip-im' });
    await plain.register({ contactParams: '' });
    const alice = await ua('alice');
    const res = await alice.request('MESSAGE', 'sip:hank@example.com', { body: 'im only', headers: [['Accept-Contact', '*;+g.oma.sip-im']] });
    assert.equal(res.status, 200);
    await im.waitFor((r) => r.method === 'MESSAGE');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(plain.inbox.filter((r) => r.method === 'MESSAGE').length, 0);
    const res2 = await alice.request('MESSAGE', 'sip:hank@example.com', { body: 'not im', headers: [['Reject-Contact', '*;+g.oma.sip-im']] });
    assert.equal(res2.status, 200);
    await plain.waitFor((r) => r.method === 'MESSAGE');
  });

  test('INVITE: Record-Route, CANCEL of the other branches on a 2xx, and loose routing of the BYE', async () => {
    const i1 = await ua('ivan');
    const i2 = await ua('ivan');
    // Device 1 rings and never answers; device 2 answers at once.
    i1.handler = (req) => (req.method === 'INVITE' ? createResponse(req, 180, { toTag: newTag() }) : req.method === 'CANCEL' ? 200 : 200);
    i2.handler = (req) => {
      if (req.method !== 'INVITE') return 200;
      const r = createResponse(req, 200, { toTag: newTag(), headers: [['Contact', `<${i2.contactUri()}>`]] });
      for (const rr of req.getLines('Record-Route')) r.append('Record-Route', rr);
      return r;
    };
    await i1.register();
    await i2.register();
    const alice = await ua('alice');
    const res = await alice.request('INVITE', 'sip:ivan@example.com', {});
    assert.equal(res.status, 200);
    const inv = await i2.waitFor((r) => r.method === 'INVITE');
    const rr = inv.getAll('Record-Route');
    assert.equal(rr.length, 1);
    assert.match(rr[0]!, /;lr>$/);
    // RFC 3261 §16.7 step 10: the ringing branch is cancelled.
    await i1.waitFor((r) => r.method === 'CANCEL');
    // In-dialog BYE from alice along the route set: R-URI = remote target, Route = the Record-Route.
    const bye = new SipRequest('BYE', i2.contactUri());
    bye.append('Max-Forwards', '70');
    bye.append('From', res.get('From')!);
    bye.append('To', res.get('To')!);
    bye.append('Call-ID', res.callId());
    bye.append('CSeq', `${res.cseq().seq + 1} BYE`);
    for (const r of res.getAll('Record-Route').reverse()) bye.append('Route', r);
    const byeRes = await alice.send(bye);
    assert.equal(byeRes.status, 200);
    const got = await i2.waitFor((r) => r.method === 'BYE');
    assert.equal(got.has('Route'), false, 'the proxy removed its own Route entry');
  });

  test('Max-Forwards: 0 gets 483 Too Many Hops', async () => {
    const alice = await ua('alice');
    const req = new SipRequest('OPTIONS', 'sip:bob@example.com');
    req.append('Max-Forwards', '0');
    req.append('From', `<sip:alice@example.com>;tag=${newTag()}`);
    req.append('To', '<sip:bob@example.com>');
    req.append('Call-ID', `mf0-${newTag()}`);
    req.append('CSeq', '1 OPTIONS');
    assert.equal((await alice.send(req)).status, 483);
  });

  test('a request that loops back to the proxy gets 482 Loop Detected', async () => {
    const judy = await TestUa.create({ user: 'judy', password: 'judy-pw', serverPort: server.sipPort });
    uas.push(judy);
    // Judy's "device" is the proxy itself: forwarding to it sends the request around in a circle.
    const res = await judy.request('REGISTER', 'sip:example.com', {
      to: judy.aor,
      headers: [['Contact', `<sip:judy@127.0.0.1:${server.sipPort}>;+g.oma.sip-im`], ['Expires', '60']],
    });
    assert.equal(res.status, 200);
    const alice = await ua('alice');
    const msg = await alice.request('MESSAGE', 'sip:judy@example.com', { body: 'round and round' });
    assert.equal(msg.status, 482);
  });

  test('a UDP device behind a NAT is reached at the address its REGISTER came from (received/rport)', async () => {
    const nat = await ua('carol');
    const res = await nat.request('REGISTER', 'sip:example.com', {
      to: nat.aor,
      headers: [['Contact', '<sip:carol@10.99.99.99:5999>;+g.oma.sip-im'], ['Expires', '60']],
      sameCallId: true,
    });
    assert.equal(res.status, 200);
    const alice = await ua('alice');
    assert.equal((await alice.request('MESSAGE', 'sip:carol@example.com', { body: 'through the NAT' })).status, 200);
    const got = await nat.waitFor((r) => r.method === 'MESSAGE' && r.bodyText() === 'through the NAT');
    assert.equal(got.uriString, 'sip:carol@10.99.99.99:5999');
  });

  test('a device registered over TCP receives requests over its registered connection', async () => {
    const t = await ua('erin', 'TCP');
    assert.equal((await t.register()).status, 200);
    const before = t.transport.openFlows().length;
    const alice = await ua('alice');
    assert.equal((await alice.request('MESSAGE', 'sip:erin@example.com', { body: 'reuse' })).status, 200);
    await t.waitFor((r) => r.method === 'MESSAGE' && r.bodyText() === 'reuse');
    assert.equal(t.transport.openFlows().length, before, 'no new connection was opened');
  });

  test('other domains: a static route from the config is followed; anything else is refused by policy', async () => {
    const peer = await TestUa.create({ user: 'carol', serverPort: server.sipPort });
    uas.push(peer);
    await peer.close();
    const remote = await (async () => {
      const { NodeSipTransport } = await import('../../src/sip/transport/node-transport.js');
      const t = new NodeSipTransport({ hostname: '127.0.0.1' });
      await t.listenUdp({ host: '127.0.0.1', port: routePort });
      return t;
    })();
    const received: string[] = [];
    remote.onMessage = (inc) => {
      if (inc.message.kind !== 'request') return;
      received.push(inc.message.uriString);
      void remote.send(createResponse(inc.message, 200, { toTag: newTag() }), inc.flow);
    };
    const alice = await ua('alice');
    const res = await alice.request('MESSAGE', 'sip:carol@other.example', { body: 'abroad' });
    assert.equal(res.status, 200);
    assert.deepEqual(received, ['sip:carol@other.example']);
    const denied = await alice.request('MESSAGE', 'sip:x@unknown.example', { body: 'no' });
    assert.equal(denied.status, 403);
    await remote.close();
  });
});
