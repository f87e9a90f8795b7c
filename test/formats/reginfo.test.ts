import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReginfoError, buildReginfo, parseReginfo, type ContactEvent, type Reginfo } from '../../src/formats/reginfo.js';

/** RFC 3680 §5.3, as printed. */
const RFC3680_EXAMPLE = `<?xml version="1.0"?>
    <reginfo xmlns="urn:ietf:params:xml:ns:reginfo"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                 version="0" state="full">
      <registration aor="sip:user@example.com" id="as9"
                    state="active">
        <contact id="76" state="active" event="registered"
                 duration-registered="7322"
                 q="0.8">
                 <uri>sip:user@pc887.example.com</uri>
        </contact>
        <contact id="77" state="terminated" event="expired"
                 duration-registered="3600"
                 q="0.5">
                 <uri>sip:user@university.edu</uri>
        </contact>
      </registration>
    </reginfo>
`;

describe('application/reginfo+xml (RFC 3680 §5)', () => {
  test('reads the example of RFC 3680 §5.3', () => {
    assert.deepEqual(parseReginfo(RFC3680_EXAMPLE), {
      version: 0,
      state: 'full',
      registrations: [
        {
          aor: 'sip:user@example.com',
          id: 'as9',
          state: 'active',
          contacts: [
            { id: '76', state: 'active', event: 'registered', uri: 'sip:user@pc887.example.com', durationRegistered: 7322, q: 0.8, unknownParams: [] },
            { id: '77', state: 'terminated', event: 'expired', uri: 'sip:user@university.edu', durationRegistered: 3600, q: 0.5, unknownParams: [] },
          ],
        },
      ],
    });
  });

  test('builds a document in the reginfo namespace with version and state, contacts with uri and unknown-param', () => {
    const xml = buildReginfo({
      version: 3,
      state: 'partial',
      registrations: [
        {
          aor: 'sip:alice@example.com',
          id: 'a1',
          state: 'active',
          contacts: [
            {
              id: 'c1',
              state: 'active',
              event: 'refreshed',
              uri: 'sip:alice@192.0.2.1:5060;transport=tcp',
              expires: 600,
              q: 0.5,
              unknownParams: [
                { name: '+sip.instance', value: '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"' },
                { name: '+g.oma.sip-im', value: '' },
              ],
            },
          ],
        },
      ],
    });
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="3" state="partial">/);
    assert.match(xml, /<registration aor="sip:alice@example.com" id="a1" state="active">/);
    assert.match(xml, /<contact id="c1" state="active" event="refreshed" expires="600" q="0.5">/);
    assert.match(xml, /<uri>sip:alice@192.0.2.1:5060;transport=tcp<\/uri>/);
    // Markup in values is escaped, so the document stays well-formed.
    assert.match(xml, /<unknown-param name="\+sip.instance">"&lt;urn:uuid:00000000-0000-1000-8000-000A95A0E128&gt;"<\/unknown-param>/);
    assert.match(xml, /<unknown-param name="\+g.oma.sip-im"><\/unknown-param>/);
  });

  test('an empty registration (state init) has no contacts', () => {
    const doc: Reginfo = { version: 0, state: 'full', registrations: [{ aor: 'sip:bob@example.com', id: 'b', state: 'init', contacts: [] }] };
    assert.deepEqual(parseReginfo(buildReginfo(doc)), doc);
  });

  test('"shortened" needs expires and "probation" needs retry-after (RFC 3680 §5.1 MUSTs)', () => {
    const one = (event: ContactEvent, extra: object): Reginfo => ({
      version: 0,
      state: 'full',
      registrations: [{ aor: 'sip:a@example.com', id: 'a', state: 'active', contacts: [{ id: '1', state: 'active', event, uri: 'sip:a@h', unknownParams: [], ...extra }] }],
    });
    assert.throws(() => buildReginfo(one('shortened', {})), RangeError);
    assert.throws(() => buildReginfo(one('probation', {})), RangeError);
    assert.match(buildReginfo(one('shortened', { expires: 30 })), /event="shortened" expires="30"/);
    assert.match(buildReginfo(one('probation', { retryAfter: 90 })), /retry-after="90"/);
  });

  test('versions must fit in 32 bits', () => {
    assert.throws(() => buildReginfo({ version: 2 ** 32, state: 'full', registrations: [] }), RangeError);
    assert.throws(() => buildReginfo({ version: -1, state: 'full', registrations: [] }), RangeError);
  });

  test('elements and attributes of other namespaces are ignored (RFC 3680 §5.1)', () => {
    const xml = `<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" xmlns:x="urn:example:x" version="1" state="full">
      <registration aor="sip:a@example.com" id="r" state="active" x:extra="1">
        <contact id="c" state="active" event="created"><uri>sip:a@h</uri><x:more>text</x:more></contact>
        <x:note/>
      </registration>
      <x:trailer/>
    </reginfo>`;
    const doc = parseReginfo(xml);
    assert.equal(doc.registrations.length, 1);
    assert.deepEqual(doc.registrations[0]!.contacts, [{ id: 'c', state: 'active', event: 'created', uri: 'sip:a@h', unknownParams: [] }]);
  });

  test('refuses documents that are not reginfo or lack required attributes or use unknown values', () => {
    for (const bad of [
      '<reginfo version="0" state="full"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" state="full"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="x" state="full"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="some"/>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="sip:a@b" id="1" state="gone"/></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="sip:a@b" id="1" state="active"><contact id="1" state="active" event="born"><uri>sip:a@h</uri></contact></registration></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="sip:a@b" id="1" state="active"><contact id="1" state="active" event="registered"/></registration></reginfo>',
      '<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0"',
    ]) {
      assert.throws(() => parseReginfo(bad), ReginfoError, bad);
    }
  });

  test('build then parse gives the document back (property)', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && !/[\u0000-\u001f\ud800-\udfff\ufffe\uffff]/.test(s));
    const events: ContactEvent[] = ['registered', 'created', 'refreshed', 'expired', 'deactivated', 'unregistered', 'rejected'];
    const contactArb = fc.record({
      id: text,
      state: fc.constantFrom('active' as const, 'terminated' as const),
      event: fc.constantFrom(...events),
      uri: text,
      expires: fc.option(fc.nat(), { nil: undefined }),
      q: fc.option(fc.constantFrom(0, 0.1, 0.5, 1), { nil: undefined }),
      callId: fc.option(text, { nil: undefined }),
      cseq: fc.option(fc.nat(), { nil: undefined }),
      unknownParams: fc.array(fc.record({ name: text, value: fc.string({ maxLength: 10 }).filter((s) => !/[\u0000-\u001f\r]/.test(s)) }), { maxLength: 3 }),
    });
    const docArb = fc.record({
      version: fc.nat({ max: 0xffffffff }),
      state: fc.constantFrom('full' as const, 'partial' as const),
      registrations: fc.array(
        fc.record({ aor: text, id: text, state: fc.constantFrom('init' as const, 'active' as const, 'terminated' as const), contacts: fc.array(contactArb, { maxLength: 3 }) }),
        { maxLength: 2 },
      ),
    });
    fc.assert(
      fc.property(docArb, (d) => {
        // Optional fields left undefined are absent after a round trip.
        const clean = JSON.parse(JSON.stringify(d)) as Reginfo;
        assert.deepEqual(parseReginfo(buildReginfo(clean)), clean);
      }),
    );
  });
});
