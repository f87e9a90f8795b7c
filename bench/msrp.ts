// MSRP throughput and message rate on loopback TCP, direct and through the
// relay. Prints figures; never asserts on time.
//   node --import tsx bench/msrp.ts
import { pathToFileURL } from 'node:url';
import { computeHa1 } from '../src/formats/digest.js';
import { NonceIssuer } from '../src/formats/digest-nonce.js';
import { MsrpEndpoint } from '../src/msrp/endpoint.js';
import { MsrpRelay } from '../src/msrp/relay/relay.js';
import type { MsrpSession } from '../src/msrp/session.js';
import { MsrpServer } from '../src/msrp/transport/node-server.js';
import { NodeTcpConnector } from '../src/msrp/transport/node-tcp.js';
import type { MsrpTransport } from '../src/msrp/transport/transport.js';

interface Setup {
  sender: MsrpSession;
  received: () => number;
  close(): Promise<void>;
}

async function direct(): Promise<Setup> {
  let bob: MsrpEndpoint | undefined;
  const server = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => bob!.acceptTransport(t) } });
  const { port } = await server.listen();
  bob = new MsrpEndpoint({ host: '127.0.0.1', port });
  const alice = new MsrpEndpoint({ host: '127.0.0.1', port: 9, connector: new NodeTcpConnector() });
  let count = 0;
  const bs = bob.createSession({ delegate: { onMessage: () => count++ } });
  const as = alice.createSession({ remotePath: [bs.localUri] });
  bs.setRemotePath([as.localUri]);
  await alice.connect(as);
  return {
    sender: as,
    received: () => count,
    async close() {
      alice.close();
      bob!.close();
      await server.close();
    },
  };
}

async function viaRelay(): Promise<Setup> {
  let relay: MsrpRelay | undefined;
  const relayServer = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => relay!.acceptTransport(t) } });
  const { port: relayPort } = await relayServer.listen();
  relay = new MsrpRelay({
    host: '127.0.0.1',
    port: relayPort,
    realm: 'bench',
    users: { lookupHa1: async (u, r, a) => computeHa1(a, u, r, 'pw') },
    nonces: new NonceIssuer({ secret: new Uint8Array(32).fill(3), now: () => Date.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) }),
    connector: new NodeTcpConnector(),
  });
  let bob: MsrpEndpoint | undefined;
  const bobServer = new MsrpServer({ host: '127.0.0.1', port: 0, sink: { acceptTransport: (t: MsrpTransport) => bob!.acceptTransport(t) } });
  const { port } = await bobServer.listen();
  bob = new MsrpEndpoint({ host: '127.0.0.1', port });
  const alice = new MsrpEndpoint({ host: 'alice.invalid', port: 9, connector: new NodeTcpConnector() });
  const auth = await alice.authenticate({ scheme: 'msrp', host: '127.0.0.1', port: relayPort, transport: 'tcp', params: [] }, { username: 'u', password: 'pw' });
  let count = 0;
  const bs = bob.createSession({ delegate: { onMessage: () => count++ } });
  const as = alice.createSession({ usePath: auth.usePath, remotePath: [bs.localUri] });
  bs.setRemotePath([...auth.usePath, as.localUri]);
  await alice.connect(as);
  return {
    sender: as,
    received: () => count,
    async close() {
      alice.close();
      bob!.close();
      relay!.close();
      await bobServer.close();
      await relayServer.close();
    },
  };
}

async function throughput(setup: Setup, chunkSize: number, messages: number): Promise<number> {
  const body = new Uint8Array(1024 * 1024).map((_, i) => i * 7);
  const t0 = performance.now();
  // A few messages in flight at once, as a file transfer would have.
  const inflight = 4;
  let next = 0;
  const worker = async () => {
    while (next < messages) {
      next++;
      const o = await setup.sender.send(body, { chunkSize, contentType: 'application/octet-stream' }).done;
      if (!o.ok) throw new Error(`send failed: ${o.status} ${o.comment}`);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const s = (performance.now() - t0) / 1000;
  return messages / s;
}

async function rate(setup: Setup, successReport: boolean, messages: number): Promise<number> {
  const body = new Uint8Array(100).fill(97);
  const start = setup.received();
  const t0 = performance.now();
  const window = 2000;
  let next = 0;
  const worker = async () => {
    while (next < messages) {
      next++;
      const o = await setup.sender.send(body, { successReport }).done;
      if (!o.ok) throw new Error(`send failed: ${o.status}`);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  while (setup.received() - start < messages) await new Promise((r) => setImmediate(r));
  return messages / ((performance.now() - t0) / 1000);
}

export async function benchMsrp(): Promise<void> {
  for (const [name, make] of [
    ['direct TCP', direct],
    ['through relay', viaRelay],
  ] as const) {
    const setup = await make();
    try {
      await throughput(setup, 65536, 5); // warm-up
      const mb2k = await throughput(setup, 2048, 100);
      const mb64k = await throughput(setup, 65536, 200);
      await rate(setup, false, 5000); // warm-up
      const small = await rate(setup, false, 50_000);
      const smallSr = await rate(setup, true, 50_000);
      console.log(`msrp ${name}: 1 MB messages, 2 KB chunks: ${mb2k.toFixed(0)} MB/s`);
      console.log(`msrp ${name}: 1 MB messages, 64 KB chunks: ${mb64k.toFixed(0)} MB/s`);
      console.log(`msrp ${name}: 100-byte messages: ${small.toFixed(0)} msg/s`);
      console.log(`msrp ${name}: 100-byte messages with Success-Report: ${smallSr.toFixed(0)} msg/s`);
    } finally {
      await setup.close();
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchMsrp();
}
