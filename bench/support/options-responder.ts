// The issue-2 figure's subject: a stateless OPTIONS responder built from the
// stack alone (transport, parser, serializer, createResponse) with no
// transaction layer and no core. Prints "ready PORT" once it listens.
//
//   node --import tsx bench/support/options-responder.ts [PORT]
import { createResponse } from '../../src/sip/response.js';
import { NodeSipTransport } from '../../src/sip/transport/node-transport.js';

const transport = new NodeSipTransport();
transport.onMessage = ({ message, flow }) => {
  // RFC 3261 §8.2.6: a UAS answers a request; responses are not answered.
  if (message.kind !== 'request' || message.method === 'ACK') return;
  void transport.send(createResponse(message, 200), flow).catch(() => undefined);
};
const local = await transport.listenUdp({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.stdout.write(`ready ${local.port}\n`);
const stop = () => void transport.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
