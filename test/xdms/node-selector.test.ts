import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NodeSelectorError, parseNodeSelector, selectorPrefixes } from '../../src/xdms/node-selector.js';
import { parseXcapUri } from '../../src/xdms/xcap-uri.js';

describe('RFC 4825 §6.3 node selector grammar', () => {
  test('by-name, by-pos, by-attr and by-pos-attr steps', () => {
    const s = parseNodeSelector('resource-lists/list[@name="friends"]/*[2]/entry[3][@uri="sip:a/b@x"]');
    assert.equal(s.steps.length, 4);
    assert.deepEqual(s.steps[0]!.name, { kind: 'name', prefix: null, local: 'resource-lists' });
    assert.deepEqual(s.steps[1]!.attr, { prefix: null, local: 'name', value: 'friends' });
    assert.equal(s.steps[2]!.name.kind, 'any');
    assert.equal(s.steps[2]!.position, 2);
    assert.equal(s.steps[3]!.position, 3);
    assert.equal(s.steps[3]!.attr!.value, 'sip:a/b@x', 'a "/" inside a quoted value is not a step separator');
    assert.equal(s.terminal, null);
  });
  test("apostrophe-quoted values and entity references in att-value", () => {
    const s = parseNodeSelector("a/b[@x='it&apos;s']");
    assert.equal(s.steps[1]!.attr!.value, "it's");
  });
  test('terminal attribute selector and namespace selector', () => {
    assert.deepEqual(parseNodeSelector('a/b/@p:uri').terminal, { kind: 'attribute', prefix: 'p', local: 'uri' });
    assert.deepEqual(parseNodeSelector('a/b/namespace::*').terminal, { kind: 'namespace' });
  });
  test('namespace-qualified steps report their prefixes', () => {
    assert.deepEqual([...selectorPrefixes(parseNodeSelector('d:foo/a:bar/b:baz[@c:x="1"]'))].sort(), ['a', 'b', 'c', 'd']);
  });
  test('anything else is an extension selector this server does not understand', () => {
    for (const bad of ['a/b[last()]', 'a/b[0]', 'a//b', 'a/b[@x=1]', '', '@x']) {
      assert.throws(() => parseNodeSelector(bad), NodeSelectorError, bad);
    }
  });
});

describe('RFC 4825 §6 XCAP URI', () => {
  test('users tree with a percent-encoded XUI, separator and xmlns() bindings', () => {
    const u = parseXcapUri('/xcap/test/users/sip:joe%40example.com/index/~~/foo/a:bar/b:baz?xmlns(a=urn:test:namespace1-uri)xmlns(b=urn:test:namespace2-uri)', '/xcap');
    assert.equal(u.auid, 'test');
    assert.equal(u.xui, 'sip:joe@example.com');
    assert.equal(u.docPath, 'index');
    assert.equal(u.nodeSelector, 'foo/a:bar/b:baz');
    assert.equal(u.namespaces.get('b'), 'urn:test:namespace2-uri');
  });
  test('%7E%7E is the same separator as ~~, and an encoded "/" in the XUI stays inside it', () => {
    const u = parseXcapUri('/xcap/rl/users/sip:a%2Fb@x/index/%7E%7E/r/list%5b@name=%22a%2Fb%22%5d', '/xcap');
    assert.equal(u.xui, 'sip:a/b@x');
    assert.equal(u.nodeSelector, 'r/list[@name="a/b"]');
  });
  test('global tree', () => {
    const u = parseXcapUri('/xcap/xcap-caps/global/index', '/xcap');
    assert.equal(u.tree, 'global');
    assert.equal(u.xui, null);
  });
});
