import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registrar } from '../../src/core/registrar.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteBindings } from '../../src/store/sqlite/bindings.js';
import type { Binding } from '../../src/store/bindings.js';
import { register } from '../support/sip-text.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const AOR = 'sip:alice@example.com';
const T0 = 1_800_000_000_000;

function setup(path = ':memory:') {
  const db = openSqlite(path);
  const bindings = new SqliteBindings(db);
  const changes: Array<{ aor: string; bindings: readonly Binding[] }> = [];
  const registrar = new Registrar({
    bindings,
    minExpires: 60,
    maxExpires: 3600,
    defaultExpires: 3600,
    toTag: () => 'totag',
    onChange: (aor, b) => changes.push({ aor, bindings: b }),
  });
  const ctx = (now = T0) => ({ authenticatedAor: AOR, flow: null, now });
  return { db, bindings, registrar, ctx, changes };
}

describe('Registrar (RFC 3261 §10.3)', () => {
  test('a REGISTER adds a binding and the 200 lists it with its expires', async () => {
    const { registrar, ctx } = setup();
    const res = await registrar.register(register({ contacts: ['<sip:alice@10.0.0.1:5070>;+g.oma.sip-im'], expires: 600 }), ctx());
    assert.equal(res.status, 200);
    const contacts = res.getAll('Contact');
    assert.equal(contacts.length, 1);
    assert.match(contacts[0]!, /^<sip:alice@10\.0\.0\.1:5070>;\+g\.oma\.sip-im;expires=600$/);
    assert.match(res.get('To')!, /tag=totag/);
  });

  test('several contacts per AoR: one binding per device', async () => {
    const { registrar, ctx, bindings } = setup();
    await registrar.register(register({ contacts: ['<sip:alice@10.0.0.1>'], cseq: 1, callId: 'phone' }), ctx());
    await registrar.register(register({ contacts: ['<sip:alice@10.0.0.2>'], cseq: 1, callId: 'laptop' }), ctx());
    const list = await bindings.list(AOR, T0);
    assert.deepEqual(list.map((b) => b.contact).sort(), ['sip:alice@10.0.0.1', 'sip:alice@10.0.0.2']);
  });

  test('expires below Min-Expires gets 423 with Min-Expires (§10.3 step 7)', async () => {
    const { registrar, ctx } = setup();
    const res = await registrar.register(register({ expires: 30 }), ctx());
    assert.equal(res.status, 423);
    assert.equal(res.get('Min-Expires'), '60');
  });

  test('expires above the maximum is shortened', async () => {
    const { registrar, ctx } = setup();
    const res = await registrar.register(register({ expires: 99999 }), ctx());
    assert.match(res.get('Contact')!, /expires=3600/);
  });

  test('the contact expires parameter wins over the Expires header', async () => {
    const { registrar, ctx } = setup();
    const res = await registrar.register(register({ contacts: ['<sip:alice@h1>;expires=120'], expires: 900 }), ctx());
    assert.match(res.get('Contact')!, /expires=120/);
  });

  test('q values are kept and echoed', async () => {
    const { registrar, ctx, bindings } = setup();
    await registrar.register(register({ contacts: ['<sip:alice@h1>;q=0.5'] }), ctx());
    assert.equal((await bindings.list(AOR, T0))[0]!.q, 0.5);
  });

  test('"*" with Expires: 0 removes every binding', async () => {
    const { registrar, ctx, bindings } = setup();
    await registrar.register(register({ contacts: ['<sip:alice@h1>', '<sip:alice@h2>'], cseq: 1 }), ctx());
    const res = await registrar.register(register({ contacts: ['*'], expires: 0, cseq: 2 }), ctx());
    assert.equal(res.status, 200);
    assert.equal(res.getAll('Contact').length, 0);
    assert.equal((await bindings.list(AOR, T0)).length, 0);
  });

  test('"*" without Expires: 0 is refused with 400', async () => {
    const { registrar, ctx } = setup();
    const res = await registrar.register(register({ contacts: ['*'], expires: 60 }), ctx());
    assert.equal(res.status, 400);
  });

  test('expires=0 removes one binding only', async () => {
    const { registrar, ctx, bindings } = setup();
    await registrar.register(register({ contacts: ['<sip:alice@h1>', '<sip:alice@h2>'], cseq: 1 }), ctx());
    await registrar.register(register({ contacts: ['<sip:alice@h1>;expires=0'], cseq: 2 }), ctx());
    assert.deepEqual((await bindings.list(AOR, T0)).map((b) => b.contact), ['sip:alice@h2']);
  });

  test('same Call-ID with a CSeq not higher than the stored one fails (§10.3 step 7)', async () => {
    const { registrar, ctx } = setup();
    await registrar.register(register({ cseq: 5, callId: 'c1' }), ctx());
    const res = await registrar.register(register({ cseq: 5, callId: 'c1' }), ctx());
    assert.equal(res.status, 400);
    assert.match(res.reason, /CSeq/);
    const other = await registrar.register(register({ cseq: 1, callId: 'c2' }), ctx());
    assert.equal(other.status, 200, 'another Call-ID may update the binding');
  });

  test('+sip.instance and reg-id identify the binding (RFC 5626 §6); Require: outbound is returned', async () => {
    const { registrar, ctx, bindings } = setup();
    const inst = '"<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"';
    await registrar.register(
      register({ contacts: [`<sip:alice@10.0.0.1:1111;ob>;+sip.instance=${inst};reg-id=1`], cseq: 1, callId: 'a', extra: ['Supported: outbound, path'] }),
      ctx(),
    );
    // The device comes back from another address with a new Call-ID: the binding is replaced, not added.
    const res = await registrar.register(
      register({ contacts: [`<sip:alice@10.0.0.9:2222;ob>;+sip.instance=${inst};reg-id=1`], cseq: 1, callId: 'b', extra: ['Supported: outbound, path'] }),
      ctx(),
    );
    assert.equal(res.get('Require'), 'outbound');
    const list = await bindings.list(AOR, T0);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.contact, 'sip:alice@10.0.0.9:2222;ob');
    assert.equal(list[0]!.instance, '<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>');
    assert.equal(list[0]!.regId, 1);
  });

  test('Path is stored and echoed to a UA that supports it (RFC 3327 §5.3)', async () => {
    const { registrar, ctx, bindings } = setup();
    const res = await registrar.register(
      register({ extra: ['Path: <sip:edge.example.com;lr>', 'Supported: path'] }),
      ctx(),
    );
    assert.equal(res.get('Path'), '<sip:edge.example.com;lr>');
    assert.deepEqual((await bindings.list(AOR, T0))[0]!.path, ['<sip:edge.example.com;lr>']);
  });

  test('feature tags are kept for routing', async () => {
    const { registrar, ctx, bindings } = setup();
    await registrar.register(register({ contacts: ['<sip:alice@h1>;+g.oma.sip-im;+g.oma.sip-im.large-message;expires=300'] }), ctx());
    assert.equal((await bindings.list(AOR, T0))[0]!.params, ';+g.oma.sip-im;+g.oma.sip-im.large-message');
  });

  test('a user may not register another AoR: 403', async () => {
    const { registrar, ctx } = setup();
    const res = await registrar.register(register({ user: 'bob' }), ctx());
    assert.equal(res.status, 403);
  });

  test('a To that is not a SIP URI is refused with 400 (RFC 4475 unksm2)', async () => {
    const { registrar, ctx } = setup();
    const req = register();
    req.set('To', '<isbn:2983792873>');
    const res = await registrar.register(req, ctx());
    assert.equal(res.status, 400);
  });

  test('bindings expire on time and survive a restart of the store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reg-'));
    const a = setup(join(dir, 'db.sqlite'));
    await a.registrar.register(register({ expires: 120 }), a.ctx());
    a.db.close();
    const b = setup(join(dir, 'db.sqlite'));
    assert.equal((await b.bindings.list(AOR, T0 + 119_000)).length, 1, 'still there after restart');
    assert.equal((await b.bindings.list(AOR, T0 + 120_000)).length, 0, 'gone at expiry');
    assert.equal(await b.bindings.purgeExpired(T0 + 120_000), 1);
    b.db.close();
  });

  test('a REGISTER without Contact lists the current bindings (fetch)', async () => {
    const { registrar, ctx } = setup();
    await registrar.register(register({ contacts: ['<sip:alice@h1>'], cseq: 1 }), ctx());
    const res = await registrar.register(register({ contacts: [], cseq: 2 }), ctx(T0 + 10_000));
    assert.equal(res.status, 200);
    assert.match(res.get('Contact')!, /expires=3590/);
  });

  test('RFC 4475 cparam01/cparam02: contact-param vs url-parameter are told apart in the binding', async () => {
    const { registrar, ctx, bindings } = setup();
    await registrar.register(register({ contacts: ['sip:alice@h1;unknownparam'], cseq: 1 }), ctx());
    await registrar.register(register({ contacts: ['<sip:alice@h2;unknownparam>'], cseq: 2 }), ctx());
    const list = await bindings.list(AOR, T0);
    const h1 = list.find((b) => b.contact.startsWith('sip:alice@h1'))!;
    const h2 = list.find((b) => b.contact.startsWith('sip:alice@h2'))!;
    assert.equal(h1.contact, 'sip:alice@h1');
    assert.equal(h1.params, ';unknownparam');
    assert.equal(h2.contact, 'sip:alice@h2;unknownparam');
  });
});
