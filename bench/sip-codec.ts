// SIP codec throughput: parse, parse + validate, parse + serialize, for a
// typical pager MESSAGE and an INVITE with SDP. Prints messages per second;
// never asserts a threshold (timing belongs in figures, not in tests).
//
//   node --import tsx bench/sip-codec.ts
//   node --cpu-prof --import tsx bench/sip-codec.ts   (then open the .cpuprofile)
import { pathToFileURL } from 'node:url';
import { parseMessage } from '../src/sip/parser.js';
import { serializeMessage } from '../src/sip/serializer.js';
import { validateRequest } from '../src/sip/validate.js';
import type { SipRequest } from '../src/sip/message.js';

const enc = new TextEncoder();

function crlf(lines: string[], body: string): Uint8Array {
  return enc.encode(lines.join('\r\n') + '\r\n\r\n' + body);
}

const MESSAGE_BODY = 'Hello, Bob! Are you coming to the meeting at 3?';
export const TYPICAL_MESSAGE = crlf(
  [
    'MESSAGE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'From: "Alice Liddell" <sip:alice@example.com>;tag=49583',
    'To: <sip:bob@example.com>',
    'Call-ID: asd88asd77a@1.2.3.4',
    'CSeq: 1 MESSAGE',
    'Contact: <sip:alice@192.0.2.10:5060;transport=tcp>',
    'Accept-Contact: *;+g.oma.sip-im',
    'User-Agent: simpleim/0.1',
    'Content-Type: text/plain;charset=UTF-8',
    `Content-Length: ${MESSAGE_BODY.length}`,
  ],
  MESSAGE_BODY,
);

const SDP = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 atlanta.example.com',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=message 7654 TCP/MSRP *',
  'a=accept-types:message/cpim text/plain text/html',
  'a=accept-wrapped-types:*',
  'a=path:msrp://atlanta.example.com:7654/jshA7weztas;tcp',
  '',
].join('\r\n');

export const INVITE_WITH_SDP = crlf(
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/TCP proxy.atlanta.example.com:5060;branch=z9hG4bK2d4790.1',
    'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK74bf9;received=192.0.2.10;rport=5060',
    'Max-Forwards: 69',
    'Record-Route: <sip:proxy.atlanta.example.com;lr>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl',
    'To: Bob <sip:bob@biloxi.example.com>',
    'Call-ID: 3848276298220188511@atlanta.example.com',
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@192.0.2.10;transport=tcp>;+g.oma.sip-im',
    'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, MESSAGE, NOTIFY',
    'Supported: timer, 100rel',
    'Accept-Contact: *;+g.oma.sip-im',
    'User-Agent: simpleim/0.1',
    'Content-Type: application/sdp',
    `Content-Length: ${SDP.length}`,
  ],
  SDP,
);

interface Case {
  readonly name: string;
  readonly run: (b: Uint8Array) => unknown;
}

const ALL_CASES: readonly Case[] = [
  { name: 'parse', run: (b) => parseMessage(b) },
  {
    name: 'parse + validateRequest',
    run: (b) => {
      const m = parseMessage(b) as SipRequest;
      validateRequest(m);
      return m;
    },
  },
  { name: 'parse + serialize', run: (b) => serializeMessage(parseMessage(b)) },
];
// BENCH_CASE="parse + serialize" runs one case (handy under --cpu-prof).
const CASES = ALL_CASES.filter((c) => !process.env['BENCH_CASE'] || c.name === process.env['BENCH_CASE']);

/** CPU time of this process in milliseconds (user + system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Runs `fn` for about `ms` milliseconds of CPU time in batches and returns
 * the median batch rate in operations per CPU second. The machine is
 * shared: CPU time does not count the time another process holds the core,
 * and the median drops batches hit by a GC pause or a migration.
 */
function rate(fn: (b: Uint8Array) => unknown, bytes: Uint8Array, ms: number): number {
  let sink = 0;
  // Warm up so the figures are for optimized code.
  for (let i = 0; i < 20_000; i++) if (fn(bytes)) sink++;
  const batch = 5_000;
  const rates: number[] = [];
  const t0 = cpuMs();
  let t = t0;
  while (t - t0 < ms) {
    const b0 = t;
    for (let i = 0; i < batch; i++) if (fn(bytes)) sink++;
    t = cpuMs();
    if (t > b0) rates.push((batch * 1000) / (t - b0));
  }
  if (sink < 0) console.log(sink);
  rates.sort((x, y) => x - y);
  return rates[rates.length >> 1] ?? 0;
}

export async function benchSipCodec(): Promise<void> {
  const ms = Number(process.env['BENCH_MS'] ?? 1000);
  console.log('SIP codec (messages per CPU second, median of batches)');
  for (const [label, bytes] of [
    [`MESSAGE (${TYPICAL_MESSAGE.length} octets)`, TYPICAL_MESSAGE],
    [`INVITE with SDP (${INVITE_WITH_SDP.length} octets)`, INVITE_WITH_SDP],
  ] as const) {
    for (const c of CASES) {
      const r = rate(c.run, bytes, ms);
      console.log(`  ${label.padEnd(30)} ${c.name.padEnd(24)} ${Math.round(r).toLocaleString('en-US').padStart(10)}`);
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchSipCodec().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
