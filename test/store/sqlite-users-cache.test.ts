import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeHa1 } from '../../src/formats/digest.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteUsers } from '../../src/store/sqlite/users.js';

const REALM = 'example.com';

describe('SqliteUsers keeps HA1 in memory and notices other writers', () => {
  test('a password changed by another process (another connection) is used within a second', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'users-cache-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'simpleim.db');
    let now = 1_000_000;
    const serverDb = openSqlite(path);
    const server = new SqliteUsers(serverDb, REALM, () => now);
    await server.add('alice', 'old');
    assert.equal(await server.ha1('alice', REALM, 'MD5'), computeHa1('MD5', 'alice', REALM, 'old'));

    // `simpleim user passwd` while the server runs: its own connection.
    const cliDb = openSqlite(path);
    await new SqliteUsers(cliDb, REALM).setPassword('alice', 'new');
    await new SqliteUsers(cliDb, REALM).add('bob', 'pw');
    cliDb.close();

    now += 1000;
    assert.equal(await server.ha1('alice', REALM, 'MD5'), computeHa1('MD5', 'alice', REALM, 'new'));
    assert.equal((await server.get('bob'))?.name, 'bob');
    serverDb.close();
  });

  test('changes made through the same object are seen at once', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'users-cache-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = openSqlite(join(dir, 'simpleim.db'));
    const users = new SqliteUsers(db, REALM, () => 0);
    assert.equal(await users.get('carol'), undefined);
    await users.add('carol', 'a');
    assert.equal(await users.ha1('carol', REALM, 'SHA-256'), computeHa1('SHA-256', 'carol', REALM, 'a'));
    await users.setPassword('carol', 'b');
    assert.equal(await users.ha1('carol', REALM, 'SHA-256'), computeHa1('SHA-256', 'carol', REALM, 'b'));
    await users.remove('carol');
    assert.equal(await users.ha1('carol', REALM, 'MD5'), undefined);
    db.close();
  });
});
