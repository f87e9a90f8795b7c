import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decide, readAccessPolicy } from '../../src/xdms/access-policy.js';

const doc = (rules: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<cr:ruleset xmlns:cr="urn:ietf:params:xml:ns:common-policy" xmlns:im="urn:oma:xml:im:im-rules">${rules}</cr:ruleset>`;
const rule = (id: string, handling: string, ids: string): string =>
  `<cr:rule id="${id}"><cr:conditions><cr:identity>${ids}</cr:identity></cr:conditions><cr:actions><im:im-handling>${handling}</im:im-handling></cr:actions></cr:rule>`;
const ME = 'sip:alice@example.com';

describe('IM user access policy evaluation (digest §4.4)', () => {
  test('an empty policy accepts everyone', () => {
    assert.equal(decide(readAccessPolicy(doc('')), 'sip:x@y.com', ME), 'accept');
  });
  test('a sender on the reject list is rejected, others pass', () => {
    const p = readAccessPolicy(doc(rule('r', 'reject', '<cr:one id="sip:spammer@example.net"/>')));
    assert.equal(decide(p, 'sip:spammer@example.net', ME), 'reject');
    assert.equal(decide(p, 'sip:SPAMMER@example.net', ME), 'accept', 'the user part is case-sensitive');
    assert.equal(decide(p, 'sip:spammer@EXAMPLE.net;transport=tcp', ME), 'reject', 'host case and parameters do not matter');
    assert.equal(decide(p, 'sip:bob@example.com', ME), 'accept');
  });
  test('a whole domain can be rejected, with exceptions', () => {
    const p = readAccessPolicy(doc(rule('r', 'reject', '<cr:many domain="spam.example"><cr:except id="sip:ok@spam.example"/></cr:many>')));
    assert.equal(decide(p, 'sip:any@spam.example', ME), 'reject');
    assert.equal(decide(p, 'sip:ok@spam.example', ME), 'accept');
  });
  test('a non-empty accept list lets only listed senders pass', () => {
    const p = readAccessPolicy(doc(rule('a', 'accept', '<cr:one id="sip:bob@example.com"/><cr:many domain="corp.example"/>')));
    assert.equal(decide(p, 'sip:bob@example.com', ME), 'accept');
    assert.equal(decide(p, 'sip:eve@corp.example', ME), 'accept');
    assert.equal(decide(p, 'sip:carol@example.com', ME), 'reject');
  });
  test('reject wins over accept', () => {
    const p = readAccessPolicy(doc(rule('a', 'accept', '<cr:many domain="example.com"/>') + rule('r', 'reject', '<cr:one id="sip:bob@example.com"/>')));
    assert.equal(decide(p, 'sip:bob@example.com', ME), 'reject');
    assert.equal(decide(p, 'sip:carol@example.com', ME), 'accept');
  });
  test("the user's own address always passes", () => {
    const p = readAccessPolicy(doc(rule('r', 'reject', '<cr:many domain="example.com"/>')));
    assert.equal(decide(p, ME, ME), 'accept');
    assert.equal(decide(p, 'sip:bob@example.com', ME), 'reject');
  });
});
