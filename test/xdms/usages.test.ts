import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../src/xdms/access-policy.js';
import { XdmsDirectory } from '../../src/xdms/xdms-directory.js';
import { joinPolicy } from '../../src/formats/oma-group.js';
import { buildXcapDiff } from '../../src/formats/xcap-diff.js';
import { ALICE, BOB, CAROL, IMS, RL, startXcapServer, type TestServer } from './helpers.js';

const enc = encodeURIComponent;
const GROUPS = 'application/vnd.oma.poc.groups+xml';
let s: TestServer;
before(async () => {
  s = await startXcapServer();
});
after(() => s.close());

const group = (uri: string, members: string[], extra = ''): string => `<?xml version="1.0" encoding="UTF-8"?>
<group xmlns="urn:oma:xml:poc:list-service" xmlns:rl="urn:ietf:params:xml:ns:resource-lists" xmlns:cr="urn:ietf:params:xml:ns:common-policy">
  <list-service uri="${uri}">
    <display-name xml:lang="en">Chess club</display-name>
    <list>${members.map((m) => `<entry uri="${m}"/>`).join('')}</list>
    <invite-members>false</invite-members>
    <max-participant-count>50</max-participant-count>${extra}
    <cr:ruleset><cr:rule id="members"><cr:conditions><is-list-member/></cr:conditions><cr:actions><join-handling>true</join-handling></cr:actions></cr:rule></cr:ruleset>
  </list-service>
</group>`;

describe('resource-lists usage (RFC 4826 §3.4.5 constraints)', () => {
  const p = `/xcap/resource-lists/users/${enc(ALICE)}/u`;
  test('entry URIs are unique per list: 409 <uniqueness-failure> with the field', async () => {
    const r = await s.req('PUT', p, { type: RL, body: '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list name="a"><entry uri="sip:x@y"/><entry uri="sip:x@y"/></list></resource-lists>' });
    assert.equal(r.status, 409);
    assert.match(r.body, /<uniqueness-failure><exists field="resource-lists\/list%5B1%5D\/entry%5B2%5D\/@uri"><\/exists><\/uniqueness-failure>/);
  });
  test('list names are unique among siblings; the same entry in two lists is fine', async () => {
    const dup = await s.req('PUT', p, { type: RL, body: '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list name="a"/><list name="a"/></resource-lists>' });
    assert.match(dup.body, /<uniqueness-failure>/);
    const ok = await s.req('PUT', p, { type: RL, body: '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list name="a"><entry uri="sip:x@y"/></list><list name="b"><entry uri="sip:x@y"/></list></resource-lists>' });
    assert.equal(ok.status, 201);
  });
  test('an element PUT that duplicates an entry is refused', async () => {
    const r = await s.req('PUT', `${p}/~~/resource-lists/list%5b@name=%22a%22%5d/entry%5b2%5d%5b@uri=%22sip:x@y%22%5d`, { type: 'application/xcap-el+xml', body: '<entry uri="sip:x@y"/>' });
    assert.equal(r.status, 409, r.body);
    assert.match(r.body, /<uniqueness-failure|<cannot-insert/);
  });
  test('an external anchor must be an absolute HTTP URI: <constraint-failure>', async () => {
    const r = await s.req('PUT', p, { type: RL, body: '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list><external anchor="relative/path"/></list></resource-lists>' });
    assert.equal(r.status, 409);
    assert.match(r.body, /<constraint-failure phrase=/);
  });
});

describe('OMA shared group usage (digest §4.3)', () => {
  const gp = (owner: string, name: string): string => `/xcap/org.openmobilealliance.groups/users/${enc(owner)}/${name}`;
  test('a valid group is stored; its members may read it, others may not', async () => {
    const r = await s.req('PUT', gp(ALICE, 'chess'), { type: GROUPS, body: group('sip:chess@example.com', [ALICE, BOB]) });
    assert.equal(r.status, 201, r.body);
    assert.equal((await s.req('GET', gp(ALICE, 'chess'), { user: BOB })).status, 200);
    assert.equal((await s.req('GET', `${gp(ALICE, 'chess')}/~~/group/list-service/list`, { user: BOB })).status, 200);
    assert.equal((await s.req('GET', gp(ALICE, 'chess'), { user: CAROL })).status, 403);
    assert.equal((await s.req('PUT', gp(ALICE, 'chess'), { user: BOB, type: GROUPS, body: group('sip:chess@example.com', [BOB]) })).status, 403);
  });
  test('a group URI already used by another document is 409 <uniqueness-failure> with alternatives', async () => {
    const r = await s.req('PUT', gp(BOB, 'mine'), { user: BOB, type: GROUPS, body: group('sip:chess@example.com', [BOB]) });
    assert.equal(r.status, 409);
    assert.match(r.body, /<exists field="group\/list-service%5B1%5D\/@uri"><alt-value>sip:chess-2@example.com<\/alt-value>/);
  });
  test('schema checks: max-participant-count must be a positive integer', async () => {
    const r = await s.req('PUT', gp(ALICE, 'bad'), { type: GROUPS, body: group('sip:bad@example.com', [ALICE]).replace('>50<', '>0<') });
    assert.equal(r.status, 409);
    assert.match(r.body, /<schema-validation-error/);
  });
  test('a second <list> in a list-service is a <constraint-failure>', async () => {
    const r = await s.req('PUT', gp(ALICE, 'bad'), { type: GROUPS, body: group('sip:bad@example.com', [ALICE], '<list/>') });
    assert.equal(r.status, 409);
    assert.match(r.body, /<constraint-failure/);
  });
  test('a group written over XCAP is found by its URI at once, with members and policy', async () => {
    const dir = new XdmsDirectory(s.store);
    assert.equal(await dir.groupByUri('sip:new@example.com'), null);
    await s.req('PUT', gp(ALICE, 'new'), { type: GROUPS, body: group('sip:new@example.com', [ALICE, CAROL]) });
    const g = await dir.groupByUri('sip:new@EXAMPLE.com');
    assert.equal(g?.owner, ALICE);
    assert.deepEqual(g?.group.members.map((m) => m.uri), [ALICE, CAROL]);
    assert.equal(g?.group.maxParticipantCount, 50);
    assert.equal(g?.group.inviteMembers, false);
    assert.equal(joinPolicy(g!.group), 'restricted');
  });
});

describe('IM access policy usage (digest §4.4)', () => {
  const p = `/xcap/org.openmobilealliance.im-rules/users/${enc(BOB)}/index`;
  const policy = `<?xml version="1.0" encoding="UTF-8"?>
<cr:ruleset xmlns:cr="urn:ietf:params:xml:ns:common-policy" xmlns:im="urn:oma:xml:im:im-rules">
 <cr:rule id="reject-list"><cr:conditions><cr:identity><cr:one id="sip:spammer@example.net"/></cr:identity></cr:conditions><cr:actions><im:im-handling>reject</im:im-handling></cr:actions></cr:rule>
</cr:ruleset>`;
  test('a reject entry written over XCAP applies to the very next decision', async () => {
    const dir = new XdmsDirectory(s.store);
    assert.equal(decide(await dir.accessPolicy(BOB), ALICE, BOB), 'accept');
    assert.equal((await s.req('PUT', p, { user: BOB, type: 'application/auth-policy+xml', body: policy })).status, 201);
    assert.equal(decide(await dir.accessPolicy(BOB), 'sip:spammer@example.net', BOB), 'reject');
    const add = await s.req('PUT', `${p}/~~/ruleset/rule%5b@id=%22reject-list%22%5d/conditions/identity/one%5b@id=%22${enc(ALICE)}%22%5d`, {
      user: BOB,
      type: 'application/xcap-el+xml',
      body: `<cr:one id="${ALICE}"/>`,
    });
    assert.equal(add.status, 201, add.body);
    assert.equal(decide(await dir.accessPolicy(BOB), ALICE, BOB), 'reject');
  });
  test('an unknown action value is a schema validation error', async () => {
    const r = await s.req('PUT', p, { user: BOB, type: 'application/auth-policy+xml', body: policy.replace('>reject<', '>maybe<') });
    assert.equal(r.status, 409);
    assert.match(r.body, /<schema-validation-error/);
  });
});

describe('IM service settings and deferred-list usages', () => {
  test('service settings validate against their schema', async () => {
    const p = `/xcap/org.openmobilealliance.im-settings/users/${enc(ALICE)}/index`;
    const body = '<im-settings xmlns="urn:oma:xml:im:service-settings"><active>true</active><deferred-settings><offline-delivery>true</offline-delivery></deferred-settings><hist-settings><hist-activation type="session-mode"/></hist-settings></im-settings>';
    assert.equal((await s.req('PUT', p, { type: 'application/vnd.oma.im.service-settings+xml', body })).status, 201);
    const bad = await s.req('PUT', p, { type: 'application/vnd.oma.im.service-settings+xml', body: body.replace('session-mode', 'sometimes') });
    assert.match(bad.body, /<schema-validation-error/);
  });
  test('the deferred list is written by the IM server; its owner reads it and deletes entries but cannot PUT', async () => {
    const p = `/xcap/org.openmobilealliance.deferred-list/users/${enc(ALICE)}/deferred-list`;
    const type = 'application/vnd.oma.im.deferred-list+xml';
    const body = `<history-list xmlns="urn:oma:xml:im:history-list"><history id="m1"><pager/><from>${BOB}</from><to>${ALICE}</to><time-stamp>2026-01-01T10:00:00Z</time-stamp><size>12</size></history></history-list>`;
    assert.equal((await s.req('PUT', p, { type, body })).status, 403);
    assert.equal((await s.req('PUT', p, { user: IMS, type, body })).status, 201);
    assert.equal((await s.req('GET', p)).status, 200);
    assert.equal((await s.req('GET', p, { user: BOB })).status, 403);
    assert.equal((await s.req('DELETE', `${p}/~~/history-list/history%5b@id=%22m1%22%5d`)).status, 200);
  });
});

describe('RFC 5874 xcap-diff documents', () => {
  test('document entries carry new and previous ETags without quotes; deletion has no new-etag', () => {
    const x = buildXcapDiff('http://xcap.example.com/xcap', [
      { kind: 'document', sel: 'resource-lists/users/sip:joe@example.com/index', newEtag: '"7"', previousEtag: '"6"' },
      { kind: 'document', sel: 'resource-lists/users/sip:joe@example.com/old', previousEtag: '"3"' },
      { kind: 'element', sel: 'resource-lists/users/sip:joe@example.com/index/~~/resource-lists/list%5b@name=%22a%22%5d', exists: false },
    ]);
    assert.match(x, /<xcap-diff xmlns="urn:ietf:params:xml:ns:xcap-diff" xcap-root="http:\/\/xcap.example.com\/xcap">/);
    assert.match(x, /<document sel="resource-lists\/users\/sip:joe@example.com\/index" new-etag="7" previous-etag="6"\/>/);
    assert.match(x, /<document sel="resource-lists\/users\/sip:joe@example.com\/old" previous-etag="3"\/>/);
    assert.match(x, /<element sel="[^"]+" exists="0"\/>/);
  });
});
