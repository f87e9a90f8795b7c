import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  buildCpim,
  cpimContentType,
  cpimHeaderValues,
  CpimParseError,
  formatCpimAddress,
  parseCpim,
  parseCpimAddress,
  parseCpimValue,
  serializeCpim,
} from '../../src/formats/cpim.js';
import { utf8Decode } from '../../src/formats/bytes.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'rfc3862');

describe('message/cpim (RFC 3862)', () => {
  test('§5.1 example body parses and serializes back byte-exact', () => {
    const bytes = readFileSync(join(FIX, 's5.1-example-body.cpim'));
    const m = parseCpim(bytes);
    assert.equal(Buffer.from(serializeCpim(m)).equals(bytes), true);
    assert.deepEqual(parseCpimAddress(cpimHeaderValues(m, 'From')[0]!.value), { displayName: 'MR SANDERS', uri: 'im:piglet@100akerwood.com' });
    assert.equal(cpimHeaderValues(m, 'DateTime')[0]!.value, '2000-12-13T13:40:00-08:00');
    const subjects = cpimHeaderValues(m, 'Subject');
    assert.equal(subjects.length, 2);
    assert.deepEqual(subjects[1]!.params, { lang: 'fr' });
    assert.equal(cpimHeaderValues(m, 'NS')[0]!.value, 'MyFeatures <mid:MessageFeatures@id.foo.com>');
    assert.equal(cpimContentType(m), 'text/xml; charset=utf-8');
    assert.match(utf8Decode(m.body), /^<body>\r\nHere is the text/);
  });

  test('§5.2 folded MIME header lines are kept', () => {
    const bytes = readFileSync(join(FIX, 's5.2-multipart-signed-illustrative.mime'));
    // The file starts with the outer MIME header; its continuation line folds.
    const text = bytes.toString('utf8');
    assert.ok(text.includes('\r\n '));
  });

  test('header-examples.tsv: every example line parses', () => {
    const rows = readFileSync(join(FIX, 'header-examples.tsv'), 'utf8').split('\n').slice(1).filter(Boolean);
    for (const row of rows) {
      const line = row.split('\t')[1]!;
      const m = parseCpim(new TextEncoder().encode(`${line}\r\n\r\nContent-Type: text/plain\r\n\r\n`));
      const h = m.headers[0]!;
      const v = parseCpimValue(h.raw);
      if (h.name === 'From' || h.name === 'To' || h.name === 'cc') assert.ok(parseCpimAddress(v.value).uri.startsWith('im:'));
    }
  });

  test('build: From, To, DateTime, Subject;lang, NS with the two empty lines', () => {
    const m = buildCpim({
      from: { displayName: 'Alice', uri: 'sip:alice@example.com' },
      to: [{ uri: 'sip:conf-7d1@im.example.com' }],
      dateTime: '2008-09-03T12:34:56.789+02:00',
      subject: [{ text: 'Hello', lang: 'en' }],
      ns: [{ prefix: 'imdn', uri: 'urn:ietf:params:imdn' }],
      extra: [['imdn.Message-ID', '34jk324j']],
      contentType: 'text/plain;charset=utf-8',
      body: 'Hello all',
    });
    assert.equal(
      utf8Decode(serializeCpim(m)),
      'From: Alice <sip:alice@example.com>\r\nTo: <sip:conf-7d1@im.example.com>\r\nDateTime: 2008-09-03T12:34:56.789+02:00\r\nSubject:;lang=en Hello\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 34jk324j\r\n\r\nContent-Type: text/plain;charset=utf-8\r\n\r\nHello all',
    );
    assert.equal(formatCpimAddress({ displayName: 'Bob "B"', uri: 'sip:b@x' }), '"Bob \\"B\\"" <sip:b@x>');
  });

  test('random bytes only ever fail with CpimParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          parseCpim(b);
        } catch (e) {
          if (!(e instanceof CpimParseError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
