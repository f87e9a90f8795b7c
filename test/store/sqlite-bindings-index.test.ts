import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Binding } from '../../src/store/bindings.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteBindings } from '../../src/store/sqlite/bindings.js';

const NOW = 1_700_000_000_000;

function binding(aor: string, contact: string, over: Partial<Binding> = {}): Binding {
  return {
    aor,
    key: contact,
    contact,
    params: ';+g.oma.sip-im',
    instance: null,
    regId: null,
    q: null,
    callId: `c-${contact}`,
    cseq: 1,
    expiresAt: NOW + 3_600_000,
    path: [],
    flow: { id: 'p/udp/0/192.0.2.1/5060', protocol: 'UDP', address: '192.0.2.1', port: 5060 },
    updatedAt: NOW,
    ...over,
  };
}

describe('SqliteBindings index', () => {
  test('AoRs with one and with several bindings read back the same after a restart, and drop expired ones', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'bindings-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'simpleim.db');
    let db = openSqlite(path);
    let store = new SqliteBindings(db);
    const alice = 'sip:alice@example.com';
    const bob = 'sip:bob@example.com';
    await store.update(alice, [binding(alice, 'sip:alice@192.0.2.1'), binding(alice, 'sip:alice@192.0.2.2', { path: ['<sip:edge.example.com;lr>'] })], []);
    await store.update(bob, [binding(bob, 'sip:bob@192.0.2.3', { expiresAt: NOW + 1000 })], []);
    assert.equal(await store.count(NOW), 3);
    db.close();

    db = openSqlite(path);
    store = new SqliteBindings(db);
    const a = await store.list(alice, NOW);
    assert.deepEqual(a.map((b) => b.contact).sort(), ['sip:alice@192.0.2.1', 'sip:alice@192.0.2.2']);
    assert.deepEqual(a.find((b) => b.contact.endsWith('.2'))!.path, ['<sip:edge.example.com;lr>']);
    assert.deepEqual(a[0]!.flow, { id: 'p/udp/0/192.0.2.1/5060', protocol: 'UDP', address: '192.0.2.1', port: 5060 });
    assert.deepEqual((await store.list(bob, NOW)).map((b) => b.contact), ['sip:bob@192.0.2.3']);
    assert.deepEqual((await store.aors(NOW + 1000)).sort(), [alice]);
    assert.equal(await store.purgeExpired(NOW + 1000), 1);
    assert.deepEqual(await store.list(bob, NOW), []);

    await store.update(alice, [], ['sip:alice@192.0.2.1']);
    assert.deepEqual((await store.list(alice, NOW)).map((b) => b.contact), ['sip:alice@192.0.2.2']);
    await store.update(alice, [], ['sip:alice@192.0.2.2']);
    assert.deepEqual(await store.aors(NOW), []);
    db.close();
  });
});
