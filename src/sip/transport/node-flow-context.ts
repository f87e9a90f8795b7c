import type { Clock } from '../../formats/clock.js';
import type { StreamFramingError } from '../stream-framer.js';
import type { Flow } from './types.js';

/** What a Node flow reports to the transport that owns it. */
export interface NodeFlowContext {
  readonly clock: Clock;
  readonly idleTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  /** One complete message (a framed stream message, a WebSocket message or a datagram). */
  message(bytes: Uint8Array, flow: Flow, datagram: boolean): void;
  /** A stream message refused by the framer; the flow closes after it when `fatal`. */
  framingError(error: StreamFramingError, flow: Flow): void;
  keepAlive(flow: Flow): void;
  idle(flow: Flow): void;
  closed(flow: Flow): void;
  error(error: Error, flow: Flow | undefined): void;
  wrote(flow: Flow): void;
}
