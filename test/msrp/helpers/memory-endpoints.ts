import { MsrpEndpoint, type CreateSessionOptions } from '../../../src/msrp/endpoint.js';
import type { MsrpSession, ReceivedMessage, ReceivedReport } from '../../../src/msrp/session.js';
import type { MsrpConnector, MsrpTransport } from '../../../src/msrp/transport/transport.js';
import { FakeClock, seededRandom } from './fake-clock.js';
import { memoryPair, type MemoryTransport } from './memory-transport.js';

export interface MemoryPair {
  clock: FakeClock;
  alice: MsrpEndpoint;
  bob: MsrpEndpoint;
  aliceSession: MsrpSession;
  bobSession: MsrpSession;
  received: ReceivedMessage[];
  reports: ReceivedReport[];
  /** Alice's end of the connection (what she wrote). */
  aliceEnd(): MemoryTransport;
}

/** Alice and Bob over an in-memory connection on a fake clock; Alice connects. */
export async function memoryPairOfEndpoints(bobSession: Partial<CreateSessionOptions> = {}, connect = true): Promise<MemoryPair> {
  const clock = new FakeClock();
  const random = seededRandom(7);
  let bob: MsrpEndpoint;
  const ends: MemoryTransport[] = [];
  const connector: MsrpConnector = {
    async connect(): Promise<MsrpTransport> {
      const [a, b] = memoryPair();
      ends.push(a);
      bob.acceptTransport(b);
      return a;
    },
  };
  bob = new MsrpEndpoint({ host: 'bob.example.com', port: 8888, clock, random });
  const alice = new MsrpEndpoint({ host: 'alice.example.com', port: 7777, clock, random, connector });
  const received: ReceivedMessage[] = [];
  const reports: ReceivedReport[] = [];
  const bs = bob.createSession({ ...bobSession, delegate: { onMessage: (_s, m) => received.push(m) } });
  const as = alice.createSession({ remotePath: [bs.localUri], delegate: { onReport: (_s, r) => reports.push(r) } });
  bs.setRemotePath([as.localUri]);
  if (connect) {
    const status = await alice.connect(as);
    if (status !== 200) throw new Error(`bind failed ${status}`);
  }
  return { clock, alice, bob, aliceSession: as, bobSession: bs, received, reports, aliceEnd: () => ends[0]! };
}
