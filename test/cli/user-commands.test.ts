import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleim } from '../support/cli.js';

describe('simpleim user', () => {
  test('add, list, passwd and remove users; passwords are stored only as digest hashes', () => {
    const data = mkdtempSync(join(tmpdir(), 'users-'));
    const base = ['--data', data, '--domain', 'example.com'];
    let r = simpleim(['user', 'add', 'alice', '--password', 'Sup3r-secret', ...base]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'added sip:alice@example.com\n');
    r = simpleim(['user', 'add', 'bob', ...base], 'from-stdin\n');
    assert.equal(r.code, 0, r.stderr);
    r = simpleim(['user', 'add', 'alice', '--password', 'x', ...base]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already exists/);
    r = simpleim(['user', 'list', ...base]);
    assert.equal(r.stdout, 'sip:alice@example.com\nsip:bob@example.com\n');
    r = simpleim(['user', 'passwd', 'bob', '--password', 'n3w', ...base]);
    assert.equal(r.code, 0, r.stderr);
    r = simpleim(['user', 'passwd', 'nobody', '--password', 'n3w', ...base]);
    assert.equal(r.code, 1);
    r = simpleim(['user', 'remove', 'bob', ...base]);
    assert.equal(r.code, 0);
    r = simpleim(['user', 'remove', 'bob', ...base]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such user/);
    r = simpleim(['user', 'list', ...base]);
    assert.equal(r.stdout, 'sip:alice@example.com\n');
    const raw = readFileSync(join(data, 'simpleim.db'));
    assert.equal(raw.includes(Buffer.from('Sup3r-secret')), false, 'the clear password is nowhere in the store');
  });

  test('settings come from a config file and SIMPLEIM_* variables; flags win', () => {
    const data = mkdtempSync(join(tmpdir(), 'users-'));
    const cfg = join(data, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ data, domain: 'from-file.example' }));
    let r = simpleim(['user', 'add', 'carol', '--password', 'p', '--config', cfg]);
    assert.equal(r.stdout, 'added sip:carol@from-file.example\n');
    r = simpleim(['user', 'list', '--config', cfg], undefined, { SIMPLEIM_DOMAIN: 'from-env.example' });
    assert.equal(r.stdout, 'sip:carol@from-env.example\n');
    r = simpleim(['user', 'list', '--config', cfg, '--domain', 'flag.example'], undefined, { SIMPLEIM_DOMAIN: 'from-env.example' });
    assert.equal(r.stdout, 'sip:carol@flag.example\n');
  });

  test('a bad setting stops the command with a message naming it', () => {
    let r = simpleim(['server', '--sip', 'nonsense']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--sip/);
    r = simpleim(['server', '--domain', 'bad domain!']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--domain/);
    r = simpleim(['server', '--sips', '127.0.0.1:5061']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--tls-cert/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'c.json'), '{"colour": "blue"}');
    r = simpleim(['server', '--config', join(dir, 'c.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown setting "colour"/);
  });
});
