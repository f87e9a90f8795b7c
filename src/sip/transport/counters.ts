/** Plain counters a metrics exporter reads (the transport only ever increments them). */
export interface TransportCounters {
  /** Well-formed messages handed up. */
  messagesIn: number;
  /** Messages written to a flow (stateless error answers included). */
  messagesOut: number;
  /** Messages that failed to parse or frame (answered or dropped). */
  malformed: number;
  /** Stateless error responses sent for malformed requests (400, 413, 505, 513...). */
  rejected: number;
  /** CRLF keep-alives received (RFC 5626 §3.5.1 pings and blank datagrams). */
  keepAlives: number;
  /** Stream and WebSocket connections currently open. */
  connectionsOpen: number;
  /** Connections accepted or opened since start. */
  connectionsTotal: number;
  /** Incoming connections refused because `maxConnections` was reached. */
  connectionsRefused: number;
  /** Connections closed for being idle longer than `idleTimeoutMs`. */
  idleClosed: number;
}

export function newCounters(): TransportCounters {
  return {
    messagesIn: 0,
    messagesOut: 0,
    malformed: 0,
    rejected: 0,
    keepAlives: 0,
    connectionsOpen: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    idleClosed: 0,
  };
}
