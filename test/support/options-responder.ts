import { createResponse } from '../../src/sip/response.js';
import { NodeSipTransport } from '../../src/sip/transport/node-transport.js';

/**
 * A stateless OPTIONS responder built on the SIP stack alone (RFC 3261
 * §11.2): every OPTIONS gets 200 with Allow and Accept, anything else 405.
 * Used by the sipp interop test and the benchmark.
 */
export async function startOptionsResponder(port = 0, host = '127.0.0.1') {
  const transport = new NodeSipTransport({ hostname: host });
  const udp = await transport.listenUdp({ host, port });
  const tcp = await transport.listenTcp({ host, port: udp.port });
  let answered = 0;
  transport.onMessage = ({ message, flow }) => {
    if (message.kind !== 'request' || message.method === 'ACK') return;
    const status = message.method === 'OPTIONS' ? 200 : 405;
    const res = createResponse(message, status, {
      toTag: 'resp' + (++answered).toString(36),
      headers: [
        ['Allow', 'OPTIONS'],
        ['Accept', 'application/sdp'],
      ],
    });
    void transport.send(res, flow).catch(() => undefined);
  };
  return { port: udp.port, tcpPort: tcp.port, answered: () => answered, close: () => transport.close() };
}
