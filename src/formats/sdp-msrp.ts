// SDP for MSRP media (RFC 4975 §8, RFC 6135 connection model, RFC 6714
// msrp-cema), on top of the general SDP codec. Paths are URI strings here:
// formats/ sits below msrp/ and does not parse MSRP URIs.
import { getAttribute, getAttributes, SdpParseError, type MediaDescription, type SdpLine, type SessionDescription } from './sdp.js';

/** a=setup values (RFC 4145 §4). */
export type SetupRole = 'active' | 'passive' | 'actpass' | 'holdconn';

export type MsrpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MsrpMedia {
  /** a=path: relays first, our own URI last (RFC 4975 §8.2). */
  path: string[];
  /** a=accept-types (mandatory, RFC 4975 §8.6). */
  acceptTypes: string[];
  acceptWrappedTypes?: string[];
  maxSize?: number;
  setup?: SetupRole;
  /** a=connection (RFC 4145): "new" or "existing". */
  connection?: 'new' | 'existing';
  /** TCP/TLS/MSRP instead of TCP/MSRP. */
  tls?: boolean;
  /** a=fingerprint for TLS without a CA (RFC 4975 §14.4). */
  fingerprint?: string;
  /** a=msrp-cema (RFC 6714): connect to c=/m= rather than the path URI. */
  cema?: boolean;
  direction?: MsrpDirection;
  /** Port of the m-line; 0 rejects the stream. Default: port of our URI. */
  port?: number;
}

const SETUP: readonly string[] = ['active', 'passive', 'actpass', 'holdconn'];
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** Is this m-line an MSRP one (RFC 4975 §8.1: media "message", proto TCP/MSRP or TCP/TLS/MSRP)? */
export function isMsrpMedia(m: MediaDescription): boolean {
  return m.media === 'message' && (m.proto === 'TCP/MSRP' || m.proto === 'TCP/TLS/MSRP');
}

/** Reads the MSRP attributes of one media section. */
export function parseMsrpMedia(m: MediaDescription): MsrpMedia {
  if (!isMsrpMedia(m)) throw new SdpParseError(`not an MSRP m-line: ${m.media} ${m.proto}`);
  // RFC 4975 §8.1: "The format list field MUST be set to "*"".
  if (m.formats.length !== 1 || m.formats[0] !== '*') throw new SdpParseError('MSRP m-line format list must be "*"');
  const path = getAttribute(m.lines, 'path');
  if (path === undefined) throw new SdpParseError('MSRP media without a=path');
  const accept = getAttribute(m.lines, 'accept-types');
  if (accept === undefined) throw new SdpParseError('MSRP media without a=accept-types');
  const media: MsrpMedia = {
    path: path.split(' ').filter((s) => s !== ''),
    acceptTypes: accept.split(' ').filter((s) => s !== ''),
    tls: m.proto === 'TCP/TLS/MSRP',
    port: m.port,
  };
  if (media.path.length === 0) throw new SdpParseError('empty a=path');
  const wrapped = getAttribute(m.lines, 'accept-wrapped-types');
  if (wrapped !== undefined) media.acceptWrappedTypes = wrapped.split(' ').filter((s) => s !== '');
  const max = getAttribute(m.lines, 'max-size');
  if (max !== undefined) {
    if (!/^[0-9]+$/.test(max)) throw new SdpParseError(`bad a=max-size: ${max}`);
    media.maxSize = Number(max);
  }
  const setup = getAttribute(m.lines, 'setup');
  if (setup !== undefined) {
    if (!SETUP.includes(setup)) throw new SdpParseError(`bad a=setup: ${setup}`);
    media.setup = setup as SetupRole;
  }
  const conn = getAttribute(m.lines, 'connection');
  if (conn === 'new' || conn === 'existing') media.connection = conn;
  const fp = getAttribute(m.lines, 'fingerprint');
  if (fp !== undefined) media.fingerprint = fp;
  if (getAttributes(m.lines, 'msrp-cema').length > 0) media.cema = true;
  const dir = m.lines.find((l) => l.type === 'a' && DIRECTIONS.includes(l.value));
  if (dir) media.direction = dir.value as MsrpDirection;
  return media;
}

function hostPortOf(uri: string): { host: string; port: number } {
  const m = /^msrps?:\/\/(?:[^@/;]*@)?(\[[^\]]+\]|[^:/;]+)(?::([0-9]+))?/i.exec(uri);
  if (!m) throw new SdpParseError(`not an MSRP URI: ${uri}`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 2855 };
}

/** The media section for our MSRP stream. */
export function msrpMediaDescription(media: MsrpMedia): MediaDescription {
  const own = hostPortOf(media.path[media.path.length - 1]!);
  const lines: SdpLine[] = [];
  const a = (value: string) => lines.push({ type: 'a', value });
  a(`accept-types:${media.acceptTypes.join(' ')}`);
  if (media.acceptWrappedTypes?.length) a(`accept-wrapped-types:${media.acceptWrappedTypes.join(' ')}`);
  a(`path:${media.path.join(' ')}`);
  if (media.setup) a(`setup:${media.setup}`);
  if (media.connection) a(`connection:${media.connection}`);
  if (media.maxSize !== undefined) a(`max-size:${media.maxSize}`);
  if (media.fingerprint) a(`fingerprint:${media.fingerprint}`);
  if (media.cema) a('msrp-cema');
  if (media.direction) a(media.direction);
  return {
    media: 'message',
    // RFC 4975 §8.1: "The port field value MUST match the port value used in the endpoint's MSRP URI".
    port: media.port ?? own.port,
    proto: media.tls ? 'TCP/TLS/MSRP' : 'TCP/MSRP',
    formats: ['*'],
    lines,
  };
}

export interface MsrpSdpInput {
  media: MsrpMedia;
  /** o= session id and version (RFC 4566 §5.2); keep the version for unchanged re-offers (RFC 4975 §8.4). */
  sessionId: string;
  sessionVersion: string;
  username?: string;
}

/** A complete SDP body with one MSRP stream (OMA IM digest §9.1 template). */
export function buildMsrpSdp(input: MsrpSdpInput): SessionDescription {
  const own = hostPortOf(input.media.path[input.media.path.length - 1]!);
  // RFC 4975 §8.1: the c-line address is the host of our URI in a=path.
  const addrType = own.host.startsWith('[') ? 'IP6' : 'IP4';
  const host = own.host.replace(/^\[(.*)\]$/, '$1');
  return {
    session: [
      { type: 'v', value: '0' },
      { type: 'o', value: `${input.username ?? '-'} ${input.sessionId} ${input.sessionVersion} IN ${addrType} ${host}` },
      { type: 's', value: '-' },
      { type: 'c', value: `IN ${addrType} ${host}` },
      { type: 't', value: '0 0' },
    ],
    media: [msrpMediaDescription(input.media)],
  };
}

/**
 * The answerer's a=setup (RFC 4145 §4.1 as used by RFC 6135 and OMA IM
 * §5.8.1): actpass → active (recommended, it works through NAT), active →
 * passive, passive → active, holdconn → holdconn. Without a=setup in the
 * offer RFC 4975 §5.4 applies: the offerer connects, so we are passive.
 */
export function answerSetup(offered: SetupRole | undefined): SetupRole {
  switch (offered) {
    case 'actpass':
    case 'passive':
      return 'active';
    case 'active':
      return 'passive';
    case 'holdconn':
      return 'holdconn';
    default:
      return 'passive';
  }
}

/** Whether we open the connection, given our role after the exchange. */
export function weConnect(ourRole: SetupRole): boolean {
  return ourRole === 'active';
}

/** The offerer's role once the answer is in: the opposite of the answerer's. */
export function offererRole(answer: SetupRole | undefined): SetupRole {
  if (answer === 'passive') return 'active';
  if (answer === 'active') return 'passive';
  if (answer === 'holdconn') return 'holdconn';
  // No a=setup in the answer: RFC 4975 §5.4, "The party that sent the original offer is responsible for connecting".
  return 'active';
}

export interface AnswerInput {
  /** Our own path (relays first, our URI last). */
  path: string[];
  acceptTypes: string[];
  acceptWrappedTypes?: string[];
  maxSize?: number;
  /** Whether we implement RFC 6714 (default true). */
  cema?: boolean;
}

/** Our answer to an MSRP media offer. */
export function answerMsrpMedia(offer: MsrpMedia, local: AnswerInput): MsrpMedia {
  const answer: MsrpMedia = {
    path: local.path,
    acceptTypes: local.acceptTypes,
    tls: offer.tls,
    setup: answerSetup(offer.setup),
  };
  if (local.acceptWrappedTypes) answer.acceptWrappedTypes = local.acceptWrappedTypes;
  if (local.maxSize !== undefined) answer.maxSize = local.maxSize;
  // RFC 6714 §4: the answerer includes msrp-cema only when the offer did and it supports it.
  if (offer.cema && local.cema !== false) answer.cema = true;
  if (offer.direction === 'sendonly') answer.direction = 'recvonly';
  else if (offer.direction === 'recvonly') answer.direction = 'sendonly';
  return answer;
}
