import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALICE, ATT, BOB, EL, RL, aliceRl, startXcapServer, type TestServer } from './helpers.js';

const fixture = (n: string): string => readFileSync(new URL(`../fixtures/${n}`, import.meta.url), 'utf8');
const enc = encodeURIComponent;
const rlDoc = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">${body}</resource-lists>`;

let s: TestServer;
before(async () => {
  s = await startXcapServer();
});
after(() => s.close());

async function putDoc(path: string, body: string, type = RL): Promise<string> {
  const r = await s.req('PUT', path, { body, type });
  assert.ok(r.status === 200 || r.status === 201, `PUT ${path}: ${r.status} ${r.body}`);
  return r.headers.etag as string;
}

describe('RFC 4825 §7.1-7.3 / §8.2-8.4 documents', () => {
  test('PUT creates (201), PUT again replaces (200), GET returns it byte for byte with the usage MIME type', async () => {
    const doc = fixture('rfc4826/s3.3-resource-lists.xml');
    const p = `${aliceRl.replace('/index', '/doc1')}`;
    const r1 = await s.req('PUT', p, { body: doc, type: RL });
    assert.equal(r1.status, 201);
    assert.match(String(r1.headers.etag), /^"[^"]+"$/);
    const r2 = await s.req('PUT', p, { body: doc, type: RL });
    assert.equal(r2.status, 200);
    assert.equal(r2.body, '', 'a 200 OK response to PUT MUST not contain any content');
    assert.notEqual(r2.headers.etag, r1.headers.etag);
    const g = await s.req('GET', p);
    assert.equal(g.status, 200);
    assert.equal(g.headers['content-type'], RL);
    assert.equal(g.headers.etag, r2.headers.etag);
    assert.equal(g.body, doc);
  });
  test('DELETE of a document: 200, then 404', async () => {
    const p = aliceRl.replace('/index', '/gone');
    await putDoc(p, rlDoc(''));
    assert.equal((await s.req('DELETE', p)).status, 200);
    assert.equal((await s.req('DELETE', p)).status, 404);
    assert.equal((await s.req('GET', p)).status, 404);
  });
  test('§8.2.2: a document PUT with the wrong MIME type is 415', async () => {
    assert.equal((await s.req('PUT', aliceRl.replace('/index', '/x'), { body: rlDoc(''), type: 'application/xml' })).status, 415);
  });
  test('§8.2.2: a body that is not well-formed is 409 <not-well-formed>', async () => {
    const r = await s.req('PUT', aliceRl.replace('/index', '/x'), { body: '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list></resource-lists>', type: RL });
    assert.equal(r.status, 409);
    assert.equal(r.headers['content-type'], 'application/xcap-error+xml');
    assert.match(r.body, /<xcap-error xmlns="urn:ietf:params:xml:ns:xcap-error"><not-well-formed phrase="[^"]+"\/><\/xcap-error>/);
  });
  test('RFC 4826 §4.4.8 "bob" document (undeclared rl: prefix) is 409 <not-well-formed/>', async () => {
    const r = await s.req('PUT', `/xcap/rls-services/users/${enc(BOB)}/index`, { user: BOB, body: fixture('rfc4826/s4.4.8-bob-index-as-printed.xml'), type: 'application/rls-services+xml' });
    assert.equal(r.status, 409);
    assert.match(r.body, /<not-well-formed/);
  });
  test('RFC 4826 §4.4.8 "joe" document (no namespace) is 409 <schema-validation-error>', async () => {
    const r = await s.req('PUT', `/xcap/rls-services/users/${enc(ALICE)}/index`, { body: fixture('rfc4826/s4.4.8-joe-index.xml'), type: 'application/rls-services+xml' });
    assert.equal(r.status, 409);
    assert.match(r.body, /<schema-validation-error/);
  });
  test('§8.2.2: bytes that are not UTF-8 are 409 <not-utf-8>, as is a declared other encoding', async () => {
    const bytes = Buffer.concat([Buffer.from('<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list name="'), Buffer.from([0xe9]), Buffer.from('"/></resource-lists>')]);
    const r = await s.req('PUT', aliceRl.replace('/index', '/x'), { body: bytes, type: RL });
    assert.equal(r.status, 409);
    assert.match(r.body, /<not-utf-8/);
    const r2 = await s.req('PUT', aliceRl.replace('/index', '/x'), { body: '<?xml version="1.0" encoding="ISO-8859-1"?><resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"/>', type: RL });
    assert.match(r2.body, /<not-utf-8/);
  });
  test('§8.2.5: a schema-invalid document is refused and changes nothing', async () => {
    const p = aliceRl.replace('/index', '/keep');
    const etag = await putDoc(p, rlDoc('<list name="a"/>'));
    const r = await s.req('PUT', p, { body: rlDoc('<list name="a"><bogus/></list>'), type: RL });
    assert.equal(r.status, 409);
    assert.match(r.body, /<schema-validation-error phrase="[^"]*bogus/);
    const g = await s.req('GET', p);
    assert.equal(g.headers.etag, etag);
    assert.equal(g.body, rlDoc('<list name="a"/>'));
  });
  test('§8.2.1: a document in a missing sub-directory is 409 <no-parent>', async () => {
    const r = await s.req('PUT', aliceRl.replace('/index', '/dir/doc'), { body: rlDoc(''), type: RL });
    assert.equal(r.status, 409);
    assert.match(r.body, /<no-parent><ancestor>\/xcap\/resource-lists\/users\/sip%3Aalice%40example.com<\/ancestor><\/no-parent>/);
  });
});

describe('RFC 4825 §8 request checks', () => {
  test('unknown AUID is 404, as is a users tree of an unknown user', async () => {
    assert.equal((await s.req('GET', '/xcap/no-such-auid/users/sip:alice@example.com/index')).status, 404);
    assert.equal((await s.req('GET', '/xcap/resource-lists/users/sip:nobody@example.com/index')).status, 404);
  });
  test('extension selectors the server does not understand are 404', async () => {
    await putDoc(aliceRl, rlDoc('<list name="friends"/>'));
    assert.equal((await s.req('GET', `${aliceRl}/~~/resource-lists/list[last()]`)).status, 404);
  });
  test('a prefix not bound by an xmlns() expression is 400', async () => {
    assert.equal((await s.req('GET', `${aliceRl}/~~/x:resource-lists`)).status, 400);
  });
  test('§8.1: POST is 405 with Allow', async () => {
    const r = await s.req('POST', aliceRl, { body: 'x', type: RL });
    assert.equal(r.status, 405);
    assert.match(String(r.headers.allow), /GET/);
  });
  test('§14: requests without credentials get 401 with a challenge', async () => {
    const r = await s.req('GET', aliceRl, { user: '' });
    assert.equal(r.status, 401);
    assert.ok(r.headers['www-authenticate']);
  });
});

describe('RFC 4825 §6.3 / §7.4-7.6 / §8.2.3 elements', () => {
  const base = `/xcap/resource-lists/users/${enc(ALICE)}/els`;
  const doc = `<?xml version="1.0"?>
<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
 <list name="root">
 <entry uri="first"/>
 <entry uri="second"/>
 <!-- comment -->
 <external anchor="http://x.example/first"/>
 </list>
</resource-lists>`;
  const reset = (): Promise<string> => putDoc(base, doc);
  const list = (n = 'root'): string => `${base}/~~/resource-lists/list%5b@name=%22${n}%22%5d`;

  test('GET of an element returns exactly its text as application/xcap-el+xml with the document ETag', async () => {
    const etag = await reset();
    const r = await s.req('GET', `${list()}/entry%5b@uri=%22second%22%5d`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], EL);
    assert.equal(r.headers.etag, etag);
    assert.equal(r.body, '<entry uri="second"/>');
  });
  test('selection by position, by wildcard and by position and attribute', async () => {
    await reset();
    assert.equal((await s.req('GET', `${list()}/entry%5b2%5d`)).body, '<entry uri="second"/>');
    assert.equal((await s.req('GET', `${list()}/*%5b3%5d`)).body, '<external anchor="http://x.example/first"/>');
    assert.equal((await s.req('GET', `${list()}/*%5b1%5d%5b@uri=%22first%22%5d`)).body, '<entry uri="first"/>');
    assert.equal((await s.req('GET', `${list()}/*%5b2%5d%5b@uri=%22first%22%5d`)).status, 404);
  });
  test('a step selecting several elements is invalid: 404 for GET', async () => {
    await reset();
    assert.equal((await s.req('GET', `${list()}/entry`)).status, 404);
  });
  test('§8.2.3 "earliest last": a new same-named element goes right after the last one, before comments and whitespace', async () => {
    await reset();
    const r = await s.req('PUT', `${list()}/entry%5b@uri=%22third%22%5d`, { body: '<entry uri="third"/>', type: EL });
    assert.equal(r.status, 201);
    const g = await s.req('GET', base);
    assert.match(g.body, /<entry uri="second"\/><entry uri="third"\/>\n <!-- comment -->/);
  });
  test('§8.2.3: a new element with no same-named sibling goes at the very end', async () => {
    await reset();
    await s.req('PUT', `${list()}/entry-ref`, { body: '<entry-ref ref="a/b"/>', type: EL });
    assert.match((await s.req('GET', base)).body, /<external anchor="http:\/\/x.example\/first"\/>\n <entry-ref ref="a\/b"\/><\/list>/);
  });
  test('§8.2.3 "earliest nth": *[2][@att] inserts after the first element; entry[1][@att] before the first entry', async () => {
    await reset();
    await s.req('PUT', `${list()}/*%5b2%5d%5b@uri=%22two%22%5d`, { body: '<entry uri="two"/>', type: EL });
    assert.match((await s.req('GET', base)).body, /<entry uri="first"\/><entry uri="two"\/>\n <entry uri="second"\/>/);
    await s.req('PUT', `${list()}/entry%5b1%5d%5b@uri=%22zero%22%5d`, { body: '<entry uri="zero"/>', type: EL });
    assert.match((await s.req('GET', base)).body, /\n <entry uri="zero"\/><entry uri="first"\/>/);
  });
  test('§8.2.3: a position beyond the siblings is 409 <cannot-insert>', async () => {
    await reset();
    const r = await s.req('PUT', `${list()}/entry%5b9%5d%5b@uri=%22x%22%5d`, { body: '<entry uri="x"/>', type: EL });
    assert.equal(r.status, 409);
    assert.match(r.body, /<cannot-insert/);
  });
  test('§7.4: a body the selector would not select afterwards is 409 <cannot-insert> and changes nothing', async () => {
    const etag = await reset();
    const r = await s.req('PUT', `${list()}/entry%5b@uri=%22first%22%5d`, { body: '<entry uri="other"/>', type: EL });
    assert.equal(r.status, 409);
    assert.match(r.body, /<cannot-insert/);
    assert.equal((await s.req('GET', base)).headers.etag, etag);
  });
  test('§8.2.4: replacement of an element is 200 and complete', async () => {
    await reset();
    const r = await s.req('PUT', `${list()}/entry%5b@uri=%22first%22%5d`, { body: '<entry uri="first"><display-name>One</display-name></entry>', type: EL });
    assert.equal(r.status, 200);
    assert.equal((await s.req('GET', `${list()}/entry%5b1%5d`)).body, '<entry uri="first"><display-name>One</display-name></entry>');
  });
  test('§8.2.1: a missing parent is 409 <no-parent> naming the closest existing ancestor', async () => {
    await reset();
    const r = await s.req('PUT', `${list('nope')}/entry%5b@uri=%22x%22%5d`, { body: '<entry uri="x"/>', type: EL });
    assert.equal(r.status, 409);
    assert.match(r.body, /<no-parent><ancestor>\/xcap\/resource-lists\/users\/sip%3Aalice%40example.com\/els\/~~\/resource-lists<\/ancestor><\/no-parent>/);
  });
  test('§8.2.2: an element PUT must be application/xcap-el+xml (415) and one balanced element (<not-xml-frag>)', async () => {
    await reset();
    assert.equal((await s.req('PUT', `${list()}/entry%5b@uri=%22x%22%5d`, { body: '<entry uri="x"/>', type: RL })).status, 415);
    for (const body of ['<entry uri="x">', '<entry uri="x"/><entry uri="y"/>', 'text', '<p:entry uri="x"/>']) {
      const r = await s.req('PUT', `${list()}/entry%5b@uri=%22x%22%5d`, { body, type: EL });
      assert.equal(r.status, 409, body);
      assert.match(r.body, /<not-xml-frag/, body);
    }
  });
  test('§8.2.5: an element that makes the document invalid is 409 <schema-validation-error>', async () => {
    await reset();
    const r = await s.req('PUT', `${list()}/entry%5b@uri=%22x%22%5d`, { body: '<entry uri="x"><bogus/></entry>', type: EL });
    assert.equal(r.status, 409);
    assert.match(r.body, /<schema-validation-error/);
  });
  test('§7.5 / §8.4: DELETE of an element keeps the surrounding whitespace; a second DELETE is 404', async () => {
    await reset();
    const r = await s.req('DELETE', `${list()}/entry%5b@uri=%22first%22%5d`);
    assert.equal(r.status, 200);
    assert.ok(r.headers.etag);
    assert.match((await s.req('GET', base)).body, /<list name="root">\n \n <entry uri="second"\/>/);
    assert.equal((await s.req('DELETE', `${list()}/entry%5b@uri=%22first%22%5d`)).status, 404);
  });
  test('§7.5: a positional DELETE that would select another element is 409 <cannot-delete>', async () => {
    await reset();
    const r = await s.req('DELETE', `${list()}/entry%5b1%5d`);
    assert.equal(r.status, 409);
    assert.match(r.body, /<cannot-delete/);
    assert.equal((await s.req('DELETE', `${list()}/entry%5b2%5d`)).status, 200, 'the last entry by position may go');
  });
});

describe('RFC 4825 §6.4 / §10 namespaces', () => {
  const p = `/xcap/org.openmobilealliance.groups/users/${enc(ALICE)}/ns-test`;
  const doc = `<?xml version="1.0"?>
<group xmlns="urn:oma:xml:poc:list-service" xmlns:rl="urn:ietf:params:xml:ns:resource-lists">
 <list-service uri="sip:ns-test@example.com"><list><entry uri="sip:bob@example.com"><rl:display-name>Bob</rl:display-name></entry></list></list-service>
</group>`;
  test('namespace-qualified steps use the xmlns() bindings of the query, not the document prefixes', async () => {
    await putDoc(p, doc, 'application/vnd.oma.poc.groups+xml');
    const r = await s.req('GET', `${p}/~~/g:group/list-service/list/entry/x:display-name?xmlns(g=urn:oma:xml:poc:list-service)xmlns(x=urn:ietf:params:xml:ns:resource-lists)`);
    assert.equal(r.status, 200);
    assert.equal(r.body, '<rl:display-name>Bob</rl:display-name>');
    const miss = await s.req('GET', `${p}/~~/group/list-service/list/entry/display-name`);
    assert.equal(miss.status, 404, 'display-name is not in the default document namespace');
  });
  test('§10: namespace::* returns the bindings in scope as application/xcap-ns+xml', async () => {
    const r = await s.req('GET', `${p}/~~/group/list-service/list/entry/namespace::*`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/xcap-ns+xml');
    assert.equal(r.body, '<entry xmlns="urn:oma:xml:poc:list-service" xmlns:rl="urn:ietf:params:xml:ns:resource-lists"/>');
  });
  test('§8.2 / §8.4: PUT or DELETE of a namespace selector is 405 with Allow: GET', async () => {
    for (const m of ['PUT', 'DELETE']) {
      const r = await s.req(m, `${p}/~~/group/namespace::*`, m === 'PUT' ? { body: 'x', type: EL } : {});
      assert.equal(r.status, 405);
      assert.equal(r.headers.allow, 'GET');
    }
  });
  test('an inserted element may use prefixes declared on its ancestors', async () => {
    const r = await s.req('PUT', `${p}/~~/group/list-service/list/entry%5b@uri=%22sip:carol@example.com%22%5d`, {
      body: '<entry uri="sip:carol@example.com"><rl:display-name>Carol</rl:display-name></entry>',
      type: EL,
    });
    assert.equal(r.status, 201, r.body);
  });
});

describe('RFC 4825 §7.7-7.9 attributes', () => {
  const p = `/xcap/resource-lists/users/${enc(ALICE)}/atts`;
  const list = `${p}/~~/resource-lists/list%5b1%5d`;
  test('GET returns the AttValue; PUT replaces (200) and creates (201); DELETE removes', async () => {
    await putDoc(p, rlDoc('<list name="a &amp; b"/>'));
    const g = await s.req('GET', `${list}/@name`);
    assert.equal(g.headers['content-type'], ATT);
    assert.equal(g.body, '"a &amp; b"');
    assert.equal((await s.req('PUT', `${list}/@name`, { body: '"c"', type: ATT })).status, 200);
    assert.equal((await s.req('GET', `${list}/@name`)).body, '"c"');
    const d = await s.req('DELETE', `${list}/@name`);
    assert.equal(d.status, 200);
    assert.equal((await s.req('GET', `${list}/@name`)).status, 404);
    assert.equal((await s.req('PUT', `${list}/@name`, { body: "'d'", type: ATT })).status, 201);
    assert.equal((await s.req('GET', p)).body, rlDoc('<list name="d"/>'));
  });
  test('§8.2.2: a body that is not an AttValue is 409 <not-xml-att-value>; wrong type 415', async () => {
    await putDoc(p, rlDoc('<list name="a"/>'));
    for (const body of ['c', '"a<b"', '"x" y', '"&bogus;"']) {
      const r = await s.req('PUT', `${list}/@name`, { body, type: ATT });
      assert.equal(r.status, 409, body);
      assert.match(r.body, /<not-xml-att-value/);
    }
    assert.equal((await s.req('PUT', `${list}/@name`, { body: '"z"', type: EL })).status, 415);
  });
  test('§7.7: replacing the attribute the selector relies on is 409 <cannot-insert>', async () => {
    await putDoc(p, rlDoc('<list name="a"/>'));
    const r = await s.req('PUT', `${p}/~~/resource-lists/list%5b@name=%22a%22%5d/@name`, { body: '"b"', type: ATT });
    assert.equal(r.status, 409);
    assert.match(r.body, /<cannot-insert/);
  });
  test('§8.2.5: an attribute change that breaks the schema is refused', async () => {
    await putDoc(p, rlDoc('<list name="a"/>'));
    const r = await s.req('PUT', `${list}/@bogus`, { body: '"1"', type: ATT });
    assert.equal(r.status, 409);
    assert.match(r.body, /<schema-validation-error/);
  });
});

describe('RFC 4825 §7.11 / §8.2.6 / §8.5 entity tags and conditional requests', () => {
  const p = `/xcap/resource-lists/users/${enc(ALICE)}/cond`;
  test('If-Match with the current ETag succeeds; a stale one is 412 and changes nothing', async () => {
    const e1 = await putDoc(p, rlDoc('<list name="a"/>'));
    const r = await s.req('PUT', `${p}/~~/resource-lists/list%5b@name=%22b%22%5d`, { body: '<list name="b"/>', type: EL, headers: { 'If-Match': e1 } });
    assert.equal(r.status, 201);
    const e2 = r.headers.etag as string;
    assert.notEqual(e2, e1);
    const stale = await s.req('DELETE', `${p}/~~/resource-lists/list%5b@name=%22b%22%5d`, { headers: { 'If-Match': e1 } });
    assert.equal(stale.status, 412);
    assert.equal((await s.req('GET', p)).headers.etag, e2);
  });
  test('every resource of a document shares its ETag', async () => {
    const e = await putDoc(p, rlDoc('<list name="a"><entry uri="x"/></list>'));
    assert.equal((await s.req('GET', `${p}/~~/resource-lists/list/entry`)).headers.etag, e);
    assert.equal((await s.req('GET', `${p}/~~/resource-lists/list/@name`)).headers.etag, e);
  });
  test('GET with If-None-Match of the current ETag is 304', async () => {
    const e = await putDoc(p, rlDoc(''));
    const r = await s.req('GET', p, { headers: { 'If-None-Match': e } });
    assert.equal(r.status, 304);
    assert.equal(r.headers.etag, e);
    assert.equal((await s.req('GET', p, { headers: { 'If-None-Match': '"other"' } })).status, 200);
  });
  test('If-None-Match: * creates a document only if absent; on an element PUT it always fails', async () => {
    const q = `/xcap/resource-lists/users/${enc(ALICE)}/inm`;
    assert.equal((await s.req('PUT', q, { body: rlDoc(''), type: RL, headers: { 'If-None-Match': '*' } })).status, 201);
    assert.equal((await s.req('PUT', q, { body: rlDoc(''), type: RL, headers: { 'If-None-Match': '*' } })).status, 412);
    const el = await s.req('PUT', `${q}/~~/resource-lists/list%5b@name=%22n%22%5d`, { body: '<list name="n"/>', type: EL, headers: { 'If-None-Match': '*' } });
    assert.equal(el.status, 412);
  });
  test('changes are reported with old and new ETags', async () => {
    const before = s.changes.length;
    const e = await putDoc(p, rlDoc('<list name="z"/>'));
    const c = s.changes.slice(before).at(-1)!;
    assert.equal(c.auid, 'resource-lists');
    assert.equal(c.xui, ALICE);
    assert.equal(c.document, 'cond');
    assert.equal(c.newEtag, e);
  });
});

describe('RFC 4825 §5.7 authorization', () => {
  test("another user's documents are refused with 403 for GET, PUT and DELETE", async () => {
    await putDoc(aliceRl, rlDoc('<list name="friends"/>'));
    assert.equal((await s.req('GET', aliceRl, { user: BOB })).status, 403);
    assert.equal((await s.req('PUT', aliceRl, { user: BOB, body: rlDoc(''), type: RL })).status, 403);
    assert.equal((await s.req('DELETE', aliceRl, { user: BOB })).status, 403);
    assert.equal((await s.req('GET', `${aliceRl}/~~/resource-lists/list`, { user: BOB })).status, 403);
  });
  test('global documents are read-only', async () => {
    assert.equal((await s.req('GET', '/xcap/xcap-caps/global/index', { user: BOB })).status, 200);
    assert.equal((await s.req('PUT', '/xcap/xcap-caps/global/index', { user: BOB, body: 'x', type: 'application/xcap-caps+xml' })).status, 403);
  });
});

describe('RFC 4825 §12 xcap-caps', () => {
  test('global/index lists every AUID and namespace; there is no users tree', async () => {
    const r = await s.req('GET', '/xcap/xcap-caps/global/index');
    assert.equal(r.headers['content-type'], 'application/xcap-caps+xml');
    for (const a of ['xcap-caps', 'resource-lists', 'org.openmobilealliance.groups', 'org.openmobilealliance.im-rules', 'org.openmobilealliance.deferred-list']) {
      assert.ok(r.body.includes(`<auid>${a}</auid>`), a);
    }
    assert.ok(r.body.includes('<namespace>urn:ietf:params:xml:ns:xcap-caps</namespace>'));
    assert.equal((await s.req('GET', `/xcap/xcap-caps/users/${enc(ALICE)}/index`)).status, 404);
  });
});

describe('RFC 4825 §13 examples', () => {
  test("Bill's sequence: create, add an entry, add a sub-list, delete an entry, fetch an attribute", async () => {
    const p = `/xcap/resource-lists/users/${enc(ALICE)}/s13`;
    await putDoc(p, '<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n  <list name="friends">\n  </list>\n</resource-lists>');
    const friends = `${p}/~~/resource-lists/list%5b@name=%22friends%22%5d`;
    assert.equal((await s.req('PUT', `${friends}/entry`, { body: '<entry uri="sip:bob@example.com">\n    <display-name>Bob Jones</display-name>\n  </entry>', type: EL })).status, 201);
    assert.equal(
      (await s.req('GET', p)).body,
      '<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">\n  <list name="friends">\n  <entry uri="sip:bob@example.com">\n    <display-name>Bob Jones</display-name>\n  </entry></list>\n</resource-lists>',
    );
    const sub = '<list name="close-friends">\n <entry uri="sip:joe@example.com"/>\n <entry uri="sip:nancy@example.com"/>\n <entry uri="sip:petri@example.com"/>\n</list>';
    assert.equal((await s.req('PUT', `${friends}/list%5b@name=%22close-friends%22%5d`, { body: sub, type: EL })).status, 201);
    assert.equal((await s.req('DELETE', `${p}/~~/resource-lists/list/list/entry%5b@uri=%22sip:petri@example.com%22%5d`)).status, 200);
    const a = await s.req('GET', `${p}/~~/resource-lists/list/list/entry%5b2%5d/@uri`);
    assert.equal(a.body, '"sip:nancy@example.com"');
  });
});
