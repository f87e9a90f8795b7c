import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage } from '../../src/sip/parser.js';
import { SipRequest } from '../../src/sip/message.js';
import { parseRecipientListMessage, recipientListHistory, RecipientListError } from '../../src/im/recipient-list-message.js';
import { communicationControl } from '../../src/im/communication-control.js';
import { checkPagerSize } from '../../src/im/pager-limits.js';
import { buildIsComposing, parseIsComposing } from '../../src/formats/iscomposing.js';
import { openSqlite } from '../../src/store/sqlite/open.js';
import { SqliteDeferredMessages } from '../../src/store/sqlite/deferred-messages.js';
import { readOfflineDelivery } from '../../src/im/im-service-settings.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'rfc5365');

const message = (headers: Array<[string, string]> = [], body = ''): SipRequest => {
  const r = new SipRequest('MESSAGE', 'sip:bob@example.com');
  for (const [n, v] of [['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'], ['From', '<sip:a@example.com>;tag=1'], ['To', '<sip:bob@example.com>'], ['Call-ID', 'c'], ['CSeq', '1 MESSAGE'], ['Max-Forwards', '70'], ...headers] as Array<[string, string]>) r.append(n, v);
  r.body = Buffer.from(body);
  return r;
};

describe('URI-list MESSAGE bodies (RFC 5365 §4, RFC 5364)', () => {
  test('the RFC 5365 Figure 2 request yields its payload and seven recipients with their copyControl', () => {
    const req = parseMessage(readFileSync(join(FIX, 'derived-consistent', 's9-fig2-F1-message-to-list-server.sip'))) as SipRequest;
    const m = parseRecipientListMessage(req.contentType(), req.body);
    assert.equal(Buffer.from(m.payload.body).toString(), 'Hello World!\r\n');
    assert.deepEqual(m.payload.headers, [['Content-Type', 'text/plain']]);
    assert.deepEqual(
      m.recipients.map((r) => `${r.uri} ${r.copyControl}${r.anonymize ? ' anon' : ''}`),
      ['sip:bill@example.com to', 'sip:randy@example.net to anon', 'sip:eddy@example.com to anon', 'sip:joe@example.org cc',
        'sip:carol@example.net cc anon', 'sip:ted@example.net bcc', 'sip:andy@example.com bcc'],
    );
    // Figure 3: bill and joe shown, anonymous ones counted, bcc absent.
    const h = recipientListHistory(m.recipients)!;
    assert.match(h, /<entry uri="sip:bill@example.com" cp:copyControl="to"\/>/);
    assert.match(h, /<entry uri="sip:anonymous@anonymous.invalid" cp:copyControl="to" cp:count="2"\/>/);
    assert.match(h, /<entry uri="sip:joe@example.org" cp:copyControl="cc"\/>/);
    assert.match(h, /<entry uri="sip:anonymous@anonymous.invalid" cp:copyControl="cc" cp:count="1"\/>/);
    assert.doesNotMatch(h, /ted|andy|randy|eddy|carol/);
  });
  test('a list with entry-ref is refused (flat lists only)', () => {
    const xml = '<?xml version="1.0"?><resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list><entry-ref ref="x"/></list></resource-lists>';
    const body = Buffer.from(`--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/resource-lists+xml\r\nContent-Disposition: recipient-list\r\n\r\n${xml}\r\n--b--\r\n`);
    assert.throws(() => parseRecipientListMessage({ type: 'multipart', subtype: 'mixed', params: new Map([['boundary', 'b']]) }, body), (e: unknown) => e instanceof RecipientListError && e.status === 403);
  });
});

describe('communication control (OMA IM digest §6.11)', () => {
  test('actor="principal" and actor="msg-taker" are read and taken out of the predicates', () => {
    const p = communicationControl(message([['Accept-Contact', '*;+g.oma.sip-im;actor="principal";require;explicit']]));
    assert.equal(p.preference, 'principal');
    assert.deepEqual(p.acceptContact, ['*;+g.oma.sip-im;require;explicit']);
    const m = communicationControl(message([['Accept-Contact', '*;actor="msg-taker";require;explicit']]));
    assert.equal(m.preference, 'msg-taker');
    assert.deepEqual(m.acceptContact, []);
    assert.equal(communicationControl(message()).preference, 'none');
    assert.equal(communicationControl(message([['Reject-Contact', '*;+g.oma.sip-im']])).rejectsImFeature, true);
  });
});

describe('pager-mode size (RFC 3428 §9)', () => {
  const limits = { maxBodyBytes: 2000, maxUdpBytes: 1300 };
  test('413 past the absolute limit on any transport; 513 past 1300 bytes on UDP only', () => {
    assert.deepEqual(checkPagerSize(message([], 'x'.repeat(100)), 'UDP', limits), { ok: true });
    assert.equal((checkPagerSize(message([], 'x'.repeat(1250)), 'UDP', limits) as { status: number }).status, 513);
    assert.deepEqual(checkPagerSize(message([], 'x'.repeat(1250)), 'TCP', limits), { ok: true });
    assert.equal((checkPagerSize(message([], 'x'.repeat(2001)), 'TCP', limits) as { status: number }).status, 413);
    assert.equal((checkPagerSize(message([], 'x'.repeat(2001)), 'UDP', limits) as { status: number }).status, 413, 'TCP would not help');
  });
});

describe('isComposing (RFC 3994 §3.4)', () => {
  test('round trip; unknown states read as idle', () => {
    const s = { state: 'active' as const, contentType: 'text/plain', refresh: 90, lastActive: '2024-01-01T00:00:00Z' };
    assert.deepEqual(parseIsComposing(buildIsComposing(s)), s);
    assert.equal(parseIsComposing(buildIsComposing({ state: 'idle' }).replace('idle', 'thinking')).state, 'idle');
    assert.throws(() => parseIsComposing('<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"/>'));
  });
});

describe('IM service settings: offline-delivery', () => {
  test('false or 0 turns push off; absent or unreadable leaves it on', () => {
    const doc = (v: string) => `<im-settings xmlns="urn:oma:xml:im:service-settings"><deferred-settings><offline-delivery>${v}</offline-delivery></deferred-settings></im-settings>`;
    assert.equal(readOfflineDelivery(doc('false')), false);
    assert.equal(readOfflineDelivery(doc('0')), false);
    assert.equal(readOfflineDelivery(doc('true')), true);
    assert.equal(readOfflineDelivery('<im-settings xmlns="urn:oma:xml:im:service-settings"/>'), true);
  });
});

describe('SQLite deferred messages', () => {
  const msg = (owner: string, n: number, now: number) => ({
    owner, sender: 'sip:a@example.com', from: '<sip:a@example.com>', headers: [['Content-Type', 'text/plain']] as Array<[string, string]>,
    body: Buffer.from(`m${n}`), receivedAt: now, expiresAt: now + 1000,
  });
  test('order, quota, per-device delivery, delete and expiry', async () => {
    const s = new SqliteDeferredMessages(openSqlite(':memory:'));
    const now = 1_000_000;
    for (let i = 0; i < 3; i++) assert.deepEqual(await s.store(msg('sip:b@x', i, now), `id${i}`, 3, now), { stored: true, id: `id${i}` });
    assert.deepEqual(await s.store(msg('sip:b@x', 3, now), 'id3', 3, now), { stored: false, reason: 'quota' });
    assert.deepEqual((await s.pendingFor('sip:b@x', 'dev1', now)).map((m) => m.id), ['id0', 'id1', 'id2']);
    await s.markDelivered('dev1', ['id0', 'id2'], now);
    assert.deepEqual((await s.pendingFor('sip:b@x', 'dev1', now)).map((m) => m.id), ['id1']);
    assert.deepEqual((await s.pendingFor('sip:b@x', 'dev2', now)).map((m) => m.id), ['id0', 'id1', 'id2']);
    const [first] = await s.pendingFor('sip:b@x', 'dev2', now, 1);
    assert.deepEqual((await s.pendingFor('sip:b@x', 'dev2', now, 10, first!.seq)).map((m) => m.id), ['id1', 'id2'], 'the page after a cursor');
    assert.equal(Buffer.from((await s.get('sip:b@x', 'id1', now))!.body).toString(), 'm1');
    assert.equal(await s.get('sip:other@x', 'id1', now), null);
    assert.equal(await s.delete('sip:b@x', 'id1'), true);
    assert.equal(await s.count(now, 'sip:b@x'), 2);
    assert.equal((await s.list('sip:b@x', now + 1000)).length, 0, 'expired ones are not listed');
    assert.equal(await s.purgeExpired(now + 1000), 2);
  });
});
