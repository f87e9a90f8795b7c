import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCallerPreferences, featureParams } from '../../src/core/caller-preferences.js';

const contacts = [
  { name: 'im-phone', params: ';+g.oma.sip-im;+g.oma.sip-im.large-message' },
  { name: 'plain', params: '' },
  { name: 'voice', params: ';audio;methods="INVITE,BYE"' },
];
const run = (ac: string[], rc: string[] = []) =>
  applyCallerPreferences(contacts, (c) => featureParams(c.params), ac, rc).map((c) => c.name);

describe('caller preferences (RFC 3841)', () => {
  test('Accept-Contact *;+g.oma.sip-im selects only the IM-capable device when there is one', () => {
    assert.deepEqual(run(['*;+g.oma.sip-im']), ['im-phone']);
  });

  test('without any IM-capable device, a plain Accept-Contact keeps every contact', () => {
    const only = contacts.slice(1);
    const r = applyCallerPreferences(only, (c) => featureParams(c.params), ['*;+g.oma.sip-im'], []);
    assert.deepEqual(r.map((c) => c.name), ['plain', 'voice']);
  });

  test('with require, non-matching contacts are dropped even if none is left', () => {
    const only = contacts.slice(1);
    const r = applyCallerPreferences(only, (c) => featureParams(c.params), ['*;+g.oma.sip-im;explicit;require'], []);
    assert.deepEqual(r, []);
  });

  test('Reject-Contact drops contacts that explicitly have the features', () => {
    assert.deepEqual(run([], ['*;audio']), ['im-phone', 'plain']);
  });

  test('value lists match when they intersect', () => {
    assert.deepEqual(run(['*;methods="BYE"']), ['voice']);
    assert.deepEqual(run(['*;methods="MESSAGE";require']), []);
  });

  test('no preferences: all contacts in order', () => {
    assert.deepEqual(run([]), ['im-phone', 'plain', 'voice']);
  });
});
