import { tcpPair, patternBytes } from './test/msrp/helpers/loopback.js';
const p = await tcpPair();
const body = patternBytes(10 * 1024 * 1024);
const t0 = performance.now();
const m = p.aliceSession.send(body, { successReport: true, contentType: 'application/octet-stream' });
const [got, outcome] = await Promise.all([p.nextMessage(), m.done]);
console.log(outcome, got.body.length, Buffer.compare(Buffer.from(got.body), Buffer.from(body)), performance.now() - t0);
await p.close();
