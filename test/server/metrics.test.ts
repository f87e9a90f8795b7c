import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { TestUa } from '../support/test-ua.js';

/** Prometheus text format → { 'name{labels}': value } for the samples. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?(?:\{[^}]*\})?)\s+(\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

async function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('operations: /metrics and /healthz after SIP traffic', { timeout: 60_000 }, () => {
  let server: TestServer;
  const uas: TestUa[] = [];

  before(async () => {
    server = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw' } });
  });
  after(async () => {
    for (const u of uas) await u.close();
    assert.equal(await server.stop(), 0, 'the server stops cleanly on SIGTERM');
  });

  test('/healthz answers 200', async () => {
    const r = await get(server.httpPort, '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.body.trim(), 'ok');
  });

  test('/metrics counts the REGISTERs and the MESSAGE by method and response class, and shows bindings, transactions and connections', async () => {
    const bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: server.sipPort, protocol: 'TCP' });
    const alice = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: server.sipPort, protocol: 'UDP' });
    uas.push(bob, alice);
    assert.equal((await bob.register()).status, 200); // 401, then 200
    assert.equal((await alice.register()).status, 200); // 401, then 200
    assert.equal((await alice.request('MESSAGE', 'sip:bob@example.com', { body: 'counted' })).status, 200); // 407, then 200
    await bob.waitFor((m) => m.method === 'MESSAGE');

    const r = await get(server.httpPort, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain/);
    const m = parseMetrics(r.body);
    assert.equal(m.get('simpleim_sip_requests_total{method="REGISTER"}'), 4);
    assert.equal(m.get('simpleim_sip_requests_total{method="MESSAGE"}'), 2);
    assert.equal(m.get('simpleim_sip_responses_total{method="REGISTER",class="4xx"}'), 2);
    assert.equal(m.get('simpleim_sip_responses_total{method="REGISTER",class="2xx"}'), 2);
    assert.equal(m.get('simpleim_sip_responses_total{method="MESSAGE",class="4xx"}'), 1);
    assert.equal(m.get('simpleim_sip_responses_total{method="MESSAGE",class="2xx"}'), 1);
    assert.equal(m.get('simpleim_register_total{outcome="challenge"}'), 2);
    assert.equal(m.get('simpleim_register_total{outcome="ok"}'), 2);
    assert.equal(m.get('simpleim_registrations'), 2);
    for (const side of ['client', 'server']) {
      const v = m.get(`simpleim_sip_transactions{side="${side}"}`);
      assert.ok(v !== undefined && v >= 0, `simpleim_sip_transactions{side="${side}"} = ${v}`);
    }
    // bob's TCP connection is the only stream connection.
    assert.equal(m.get('simpleim_connections{protocol="TCP"}'), 1);
    assert.equal(m.get('simpleim_connections{protocol="WS"}'), 0);
    assert.equal(m.get('simpleim_connections{protocol="TLS"}'), 0);
  });

  test('requests with methods no RFC defines share one "other" series, so a peer cannot grow /metrics without bound', async () => {
    const ua = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: server.sipPort, protocol: 'UDP' });
    uas.push(ua);
    for (const method of ['FROBNICATE', 'XYZZY', 'PLUGH']) {
      const res = await ua.request(method, 'sip:example.com');
      assert.ok(res.status >= 400, `${method} answered ${res.status}`);
    }
    const m = parseMetrics((await get(server.httpPort, '/metrics')).body);
    assert.ok((m.get('simpleim_sip_requests_total{method="other"}') ?? 0) >= 3);
    assert.deepEqual([...m.keys()].filter((k) => /FROBNICATE|XYZZY|PLUGH/.test(k)), []);
  });
});

describe('operations: SIGTERM and restart on the same --data', { timeout: 90_000 }, () => {
  let bob: TestUa | undefined;
  let alice: TestUa | undefined;
  let second: TestServer | undefined;
  after(async () => {
    await alice?.close();
    await bob?.close();
    await second?.kill();
  });

  test('the server exits 0 on SIGTERM, and after a restart a MESSAGE reaches a UDP user registered before it, without re-registering', async () => {
    const first = await startServer({ users: { alice: 'alice-pw', bob: 'bob-pw' } });
    bob = await TestUa.create({ user: 'bob', password: 'bob-pw', serverPort: first.sipPort, protocol: 'UDP' });
    assert.equal((await bob.register()).status, 200);
    assert.equal(await first.stop(), 0);

    second = await startServer({ data: first.data, sipPort: first.sipPort, httpPort: first.httpPort });
    const m = parseMetrics((await get(second.httpPort, '/metrics')).body);
    assert.equal(m.get('simpleim_registrations'), 1, 'the binding survived the restart');
    alice = await TestUa.create({ user: 'alice', password: 'alice-pw', serverPort: second.sipPort, protocol: 'UDP' });
    const res = await alice.request('MESSAGE', 'sip:bob@example.com', { body: 'after the restart' });
    assert.equal(res.status, 200, `${res.status} ${res.reason}`);
    const got = await bob.waitFor((m) => m.method === 'MESSAGE');
    assert.equal(Buffer.from(got.body).toString(), 'after the restart');
    assert.equal(await second.stop(), 0);
    second = undefined;
  });
});
