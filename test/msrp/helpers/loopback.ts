import type { TlsOptions } from 'node:tls';
import { MsrpEndpoint, type MsrpEndpointOptions } from '../../../src/msrp/endpoint.js';
import type { MsrpSession, ReceivedMessage } from '../../../src/msrp/session.js';
import { MsrpServer } from '../../../src/msrp/transport/node-server.js';
import { NodeTcpConnector, type NodeTcpConnectorOptions } from '../../../src/msrp/transport/node-tcp.js';
import type { MsrpTransport } from '../../../src/msrp/transport/transport.js';

export interface Pair {
  alice: MsrpEndpoint;
  bob: MsrpEndpoint;
  server: MsrpServer;
  aliceSession: MsrpSession;
  bobSession: MsrpSession;
  /** Messages Bob received, in order. */
  received: ReceivedMessage[];
  nextMessage(): Promise<ReceivedMessage>;
  close(): Promise<void>;
}

export interface PairOptions {
  tls?: TlsOptions;
  connector?: NodeTcpConnectorOptions;
  bobSession?: { maxSize?: number; acceptTypes?: string[]; acceptWrappedTypes?: string[] };
  endpoint?: Partial<MsrpEndpointOptions>;
}

/** Bob listens on loopback; Alice (the offerer) connects to him (RFC 4975 §5.4). */
export async function tcpPair(opts: PairOptions = {}): Promise<Pair> {
  const scheme = opts.tls ? 'msrps' : 'msrp';
  let bob: MsrpEndpoint | undefined;
  const server = new MsrpServer({ sink: { acceptTransport: (t: MsrpTransport) => bob!.acceptTransport(t) }, host: '127.0.0.1', port: 0, tls: opts.tls });
  const { port } = await server.listen();
  bob = new MsrpEndpoint({ host: '127.0.0.1', port, scheme, ...opts.endpoint });
  const alice = new MsrpEndpoint({
    host: '127.0.0.1',
    port: 9,
    scheme,
    connector: new NodeTcpConnector(opts.connector),
    ...opts.endpoint,
  });
  const received: ReceivedMessage[] = [];
  const waiters: Array<(m: ReceivedMessage) => void> = [];
  const bobSession = bob.createSession({
    ...opts.bobSession,
    delegate: {
      onMessage: (_s, m) => {
        received.push(m);
        waiters.shift()?.(m);
      },
    },
  });
  const aliceSession = alice.createSession({ remotePath: [bobSession.localUri] });
  bobSession.setRemotePath([aliceSession.localUri]);
  const status = await alice.connect(aliceSession);
  if (status !== 200) throw new Error(`binding SEND got ${status}`);
  return {
    alice,
    bob,
    server,
    aliceSession,
    bobSession,
    received,
    nextMessage: () => new Promise((r) => waiters.push(r)),
    async close() {
      alice.close();
      bob!.close();
      await server.close();
    },
  };
}

/** Deterministic pseudo-random bytes (no timing, no global randomness in assertions). */
export function patternBytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 255;
  }
  return b;
}
