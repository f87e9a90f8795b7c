import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from '../support/server.js';
import { MsrpEndpoint } from '../../src/msrp/endpoint.js';
import { MsrpServer } from '../../src/msrp/transport/node-server.js';
import { NodeTcpConnector } from '../../src/msrp/transport/node-tcp.js';
import { WebSocketConnector } from '../../src/msrp/transport/browser-websocket.js';
import type { MsrpTransport } from '../../src/msrp/transport/transport.js';
import { RelayAuthError } from '../../src/msrp/relay/relay-auth-client.js';

type WsCtor = ConstructorParameters<typeof WebSocketConnector>[1] extends { WebSocket?: infer W } | undefined ? W : never;

describe('the server relays MSRP (RFC 4976) from WebSocket clients (RFC 7977) to TCP peers', () => {
  let server: TestServer;
  let msrpPort: number;
  before(async () => {
    server = await startServer({ users: { alice: 'alice-pw' } });
    msrpPort = Number(/msrp:127\.0\.0\.1:(\d+)/.exec(server.readyLine)![1]);
  });
  after(async () => {
    await server.stop();
  });

  test('the ready line names the MSRP listeners', () => {
    assert.match(server.readyLine, /msrp:127\.0\.0\.1:\d+/);
    assert.match(server.readyLine, /msrp-ws:127\.0\.0\.1:\d+\/msrp/);
  });

  test('AUTH with the user password gets a Use-Path; a message crosses the relay to a TCP peer and back', async () => {
    let bob: MsrpEndpoint | undefined;
    const bobServer = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => bob!.acceptTransport(t) } });
    const { port: bobPort } = await bobServer.listen();
    bob = new MsrpEndpoint({ host: '127.0.0.1', port: bobPort, connector: new NodeTcpConnector() });
    const connector = () =>
      new WebSocketConnector(`ws://127.0.0.1:${server.httpPort}/msrp`, { WebSocket: WebSocket as unknown as WsCtor });
    const alice = new MsrpEndpoint({ host: 'a1b2c3.invalid', port: 2855, transport: 'ws', connector: connector() });
    const eve = new MsrpEndpoint({ host: 'e1.invalid', port: 2855, transport: 'ws', connector: connector() });
    const relayUri = { scheme: 'msrp' as const, host: '127.0.0.1', port: msrpPort, transport: 'tcp', params: [] };
    try {
      await assert.rejects(eve.authenticate(relayUri, { username: 'alice', password: 'wrong' }), (e) => e instanceof RelayAuthError && e.status === 401);
      const auth = await alice.authenticate(relayUri, { username: 'alice', password: 'alice-pw' });
      assert.equal(auth.usePath.length, 1);
      const toBob: string[] = [];
      const toAlice: string[] = [];
      const dec = new TextDecoder();
      const bs = bob.createSession({ delegate: { onMessage: (_s, m) => toBob.push(dec.decode(m.body)) } });
      const as = alice.createSession({ usePath: auth.usePath, remotePath: [bs.localUri], delegate: { onMessage: (_s, m) => toAlice.push(dec.decode(m.body)) } });
      bs.setRemotePath([...auth.usePath, as.localUri]);
      assert.equal(await alice.connect(as), 200);
      const sent = await as.send('hello over the relay', { successReport: true }).done;
      assert.equal(sent.ok, true);
      assert.deepEqual(toBob, ['hello over the relay']);
      const back = await bs.send('and back', { successReport: true }).done;
      assert.equal(back.ok, true);
      assert.deepEqual(toAlice, ['and back']);
    } finally {
      alice.close();
      eve.close();
      bob.close();
      await bobServer.close();
    }
  });
});
