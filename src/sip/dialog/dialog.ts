import { cryptoRandom, initialCSeq, type RandomSource } from '../ids.js';
import { field, SipRequest, type SipResponse } from '../message.js';
import { formatNameAddr, parseNameAddr, type NameAddr } from '../name-addr.js';
import { Params } from '../params.js';
import { formatUri, isSipUri, type SipUri, type Uri } from '../uri.js';
import type { HeaderField } from '../header-field.js';
import { dialogKey, type DialogId } from './dialog-id.js';
import { DialogState, DialogStateError } from './dialog-state.js';

/**
 * Target refresh requests: they replace the remote target from their
 * Contact (RFC 3261 §12.2: re-INVITE; RFC 3311 §5.2: UPDATE; RFC 6665
 * §4.1.2.3 / §4.2.1: SUBSCRIBE and NOTIFY).
 */
export const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY']);

export interface DialogOptions {
  /** Our Contact (name-addr), put into target refresh requests (§12.2.1.1: "A UAC SHOULD include a Contact header field in any target refresh requests"). */
  readonly localContact?: string;
  /** Randomness for the first local CSeq when it is empty (UAS side). */
  readonly random?: RandomSource;
}

export interface UacDialogOptions extends DialogOptions {
  /** The request went out over TLS (with a SIPS Request-URI this sets the secure flag, §12.1.2). */
  readonly sentOverTls?: boolean;
}

export interface UasDialogOptions extends DialogOptions {
  /** The request arrived over TLS (§12.1.1). */
  readonly receivedOverTls?: boolean;
}

export interface InDialogRequestOptions {
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Uint8Array;
}

/** What the UAS core should do with a request inside this dialog (§12.2.2). */
export type InDialogRequestVerdict = { readonly accept: true } | { readonly accept: false; readonly status: 500; readonly reason: string };

/**
 * The dialog state of RFC 3261 §12: dialog id, local and remote sequence
 * numbers, local and remote URIs, remote target, route set and secure
 * flag, with the early / confirmed / terminated life cycle. It builds the
 * requests sent inside the dialog (§12.2.1.1) and the ACK for a 2xx
 * (§13.2.2.4), and applies the rules for requests and responses received
 * inside it (§12.2.1.2, §12.2.2). It does no I/O: the UA core sends what
 * it builds through the transaction layer.
 */
export class Dialog {
  readonly id: DialogId;
  /** The URI (and display name) in From of our requests: "the local URI" (§12.1). */
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  /** True when requests in the dialog must go over TLS (§12.1.1, §12.1.2). */
  readonly secure: boolean;
  localContact: string | undefined;
  private current: DialogState;
  private local: number | undefined;
  private remote: number | undefined;
  private target: Uri;
  private routes: readonly string[];
  private readonly random: RandomSource;

  private constructor(init: {
    id: DialogId;
    state: DialogState;
    localUri: NameAddr;
    remoteUri: NameAddr;
    localSeq: number | undefined;
    remoteSeq: number | undefined;
    remoteTarget: Uri;
    routeSet: readonly string[];
    secure: boolean;
    opts: DialogOptions;
  }) {
    this.id = init.id;
    this.current = init.state;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.local = init.localSeq;
    this.remote = init.remoteSeq;
    this.target = init.remoteTarget;
    this.routes = init.routeSet;
    this.secure = init.secure;
    this.localContact = init.opts.localContact;
    this.random = init.opts.random ?? cryptoRandom;
  }

  /**
   * The UAC side, from the request that created the dialog and a 2xx or a
   * 1xx with a To tag (RFC 3261 §12.1.2).
   */
  static asUac(request: SipRequest, response: SipResponse, opts: UacDialogOptions = {}): Dialog {
    if (response.status < 101 || response.status >= 300) throw new Error('only a 101-299 response creates a dialog');
    const remoteTag = response.to().params.get('tag');
    // §12.1: dialogs are created "through the generation of non-failure responses ... with a To tag".
    if (response.status < 200 && remoteTag == null) throw new Error('a provisional response without a To tag creates no dialog');
    const contact = firstContactUri(response);
    if (contact === undefined) throw new Error('the response has no Contact: no remote target');
    return new Dialog({
      // "The call identifier component of the dialog ID MUST be set to the value of the Call-ID in
      // the request. The local tag component of the dialog ID MUST be set to the tag in the From
      // field in the request, and the remote tag component of the dialog ID MUST be set to the tag
      // in the To field of the response. ... If the response has no tag, the remote tag MUST be set to null."
      id: { callId: request.callId(), localTag: request.from().params.get('tag') ?? '', remoteTag: remoteTag ?? '' },
      state: response.status < 200 ? DialogState.Early : DialogState.Confirmed,
      localUri: request.from(),
      remoteUri: request.to(),
      // "The local sequence number MUST be set to the value of the sequence number in the CSeq
      // header field of the request. The remote sequence number MUST be empty".
      localSeq: request.cseq().seq,
      remoteSeq: undefined,
      remoteTarget: contact,
      // "The route set MUST be set to the list of URIs in the Record-Route header field from the
      // response, taken in reverse order and preserving all URI parameters."
      routeSet: response.getAll('Record-Route').reverse(),
      // "If the request was sent over TLS, and the Request-URI contained a SIPS URI, the "secure"
      // flag is set to TRUE."
      secure: opts.sentOverTls === true && request.uri.scheme === 'sips',
      opts,
    });
  }

  /**
   * The UAS side, when it sends a 2xx or a 1xx with a To tag to the request
   * (RFC 3261 §12.1.1).
   */
  static asUas(request: SipRequest, response: SipResponse, opts: UasDialogOptions = {}): Dialog {
    if (response.status < 101 || response.status >= 300) throw new Error('only a 101-299 response creates a dialog');
    const localTag = response.to().params.get('tag');
    if (localTag == null) throw new Error('the response must carry a To tag (§12.1.1: "The UAS MUST add a tag")');
    const contact = firstContactUri(request);
    if (contact === undefined) throw new Error('the request has no Contact: no remote target');
    return new Dialog({
      // "The local tag component of the dialog ID MUST be set to the tag in the To field in the
      // response to the request (which always includes a tag), and the remote tag component of the
      // dialog ID MUST be set to the tag from the From field in the request."
      id: { callId: request.callId(), localTag, remoteTag: request.from().params.get('tag') ?? '' },
      state: response.status < 200 ? DialogState.Early : DialogState.Confirmed,
      // "The remote URI MUST be set to the URI in the From field, and the local URI MUST be set to
      // the URI in the To field."
      localUri: request.to(),
      remoteUri: request.from(),
      // "The remote sequence number MUST be set to the value of the sequence number in the CSeq
      // header field of the request. The local sequence number MUST be empty."
      localSeq: undefined,
      remoteSeq: request.cseq().seq,
      // "The remote target MUST be set to the URI from the Contact header field of the request."
      remoteTarget: contact,
      // "The route set MUST be set to the list of URIs in the Record-Route header field from the
      // request, taken in order and preserving all URI parameters."
      routeSet: request.getAll('Record-Route'),
      // "If the request arrived over TLS, and the Request-URI contained a SIPS URI, the "secure"
      // flag is set to TRUE."
      secure: opts.receivedOverTls === true && request.uri.scheme === 'sips',
      opts,
    });
  }

  get state(): DialogState {
    return this.current;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  /** The local sequence number; undefined while "empty" (a UAS that has sent nothing yet). */
  get localSeq(): number | undefined {
    return this.local;
  }

  get remoteSeq(): number | undefined {
    return this.remote;
  }

  get remoteTarget(): Uri {
    return this.target;
  }

  /** The route set, each value as it came in Record-Route (name-addr with all parameters). */
  get routeSet(): readonly string[] {
    return this.routes;
  }

  private stateTransition(to: DialogState): void {
    const from = this.current;
    const legal =
      (from === DialogState.Early && (to === DialogState.Confirmed || to === DialogState.Terminated)) ||
      (from === DialogState.Confirmed && to === DialogState.Terminated);
    if (!legal) throw new DialogStateError(from, to);
    this.current = to;
  }

  /** Ends the dialog (a BYE, a timeout, the TU gives up). */
  terminate(): void {
    if (this.current !== DialogState.Terminated) this.stateTransition(DialogState.Terminated);
  }

  // ---- sending -----------------------------------------------------------

  /**
   * Builds a request inside the dialog, RFC 3261 §12.2.1.1: From, To,
   * Call-ID from the dialog, the next local CSeq, Request-URI and Route from
   * the remote target and route set (loose or strict routing), a Contact in
   * target refresh requests. Not ACK (use createAck) nor CANCEL (built from
   * the request it cancels). The transaction layer adds the Via.
   */
  createRequest(method: string, opts: InDialogRequestOptions = {}): SipRequest {
    if (method === 'ACK' || method === 'CANCEL') throw new Error(`${method} is not built by createRequest`);
    if (this.current === DialogState.Terminated) throw new Error('the dialog is terminated');
    // "Requests within a dialog MUST contain strictly monotonically increasing and contiguous CSeq
    // sequence numbers (increasing-by-one) in each direction". "If the local sequence number is
    // empty, an initial value MUST be chosen using the guidelines of Section 8.1.1.5."
    this.local = this.local === undefined ? initialCSeq(this.random) : this.local + 1;
    const req = this.build(method, this.local);
    if (TARGET_REFRESH_METHODS.has(method) && this.localContact !== undefined) req.append('Contact', this.localContact);
    for (const [n, v] of opts.headers ?? []) req.append(n, v);
    if (opts.body !== undefined) req.body = opts.body;
    return req;
  }

  /**
   * The ACK for a 2xx to an INVITE, RFC 3261 §13.2.2.4: "The header fields
   * of the ACK are constructed in the same way as for any request sent
   * within a dialog ... with the exception of the CSeq and the header fields
   * related to authentication. The sequence number of the CSeq header field
   * MUST be the same as the INVITE being acknowledged, but the CSeq method
   * MUST be ACK. The ACK MUST contain the same credentials as the INVITE."
   * It is sent with a new branch, outside any transaction.
   */
  createAck(invite: SipRequest, opts: InDialogRequestOptions = {}): SipRequest {
    const req = this.build('ACK', invite.cseq().seq);
    for (const h of invite.headers) {
      if (h.key === 'authorization' || h.key === 'proxy-authorization') req.headers.push(h);
    }
    for (const [n, v] of opts.headers ?? []) req.append(n, v);
    if (opts.body !== undefined) req.body = opts.body;
    return req;
  }

  private build(method: string, seq: number): SipRequest {
    const { requestUri, route } = this.routing();
    const headers: HeaderField[] = [];
    for (const r of route) headers.push(field('Route', r));
    headers.push(field('Max-Forwards', '70'));
    // "The URI in the To field of the request MUST be set to the remote URI from the dialog state.
    // The tag in the To header field of the request MUST be set to the remote tag of the dialog ID.
    // The From URI of the request MUST be set to the local URI from the dialog state. The tag in the
    // From header field of the request MUST be set to the dialog ID's local tag."
    headers.push(field('From', withTag(this.localUri, this.id.localTag)));
    headers.push(field('To', withTag(this.remoteUri, this.id.remoteTag)));
    headers.push(field('Call-ID', this.id.callId));
    headers.push(field('CSeq', `${seq} ${method}`));
    return new SipRequest(method, requestUri, headers);
  }

  /** RFC 3261 §12.2.1.1: Request-URI and Route from the remote target and the route set. */
  private routing(): { requestUri: string; route: string[] } {
    const target = formatUri(this.target);
    // "If the route set is empty, the UAC MUST place the remote target URI into the Request-URI.
    // The UAC MUST NOT add a Route header field to the request."
    const first = this.routes[0];
    if (first === undefined) return { requestUri: target, route: [] };
    const firstUri = parseNameAddr(first).uri;
    // "If the route set is not empty, and the first URI in the route set contains the lr parameter
    // ..., the UAC MUST place the remote target URI into the Request-URI and MUST include a Route
    // header field containing the route set values in order, including all parameters."
    if (isSipUri(firstUri) && firstUri.params.has('lr')) return { requestUri: target, route: [...this.routes] };
    // "If the route set is not empty, and its first URI does not contain the lr parameter, the UAC
    // MUST place the first URI from the route set into the Request-URI, stripping any parameters
    // that are not allowed in a Request-URI. The UAC MUST add a Route header field containing the
    // remainder of the route set values in order, including all parameters. The UAC MUST then place
    // the remote target URI into the Route header field as the last value."
    return { requestUri: formatUri(requestUriForm(firstUri)), route: [...this.routes.slice(1), `<${target}>`] };
  }

  // ---- receiving ---------------------------------------------------------

  /**
   * A request received inside this dialog (RFC 3261 §12.2.2): the CSeq
   * check, the remote target refresh, BYE. ACK and CANCEL carry the number
   * of the request they belong to and are neither checked nor counted.
   */
  receiveRequest(request: SipRequest): InDialogRequestVerdict {
    const method = request.method;
    if (method === 'ACK' || method === 'CANCEL') return { accept: true };
    const seq = request.cseq().seq;
    // "If the remote sequence number was not empty, but the sequence number of the request is lower
    // than the remote sequence number, the request is out of order and MUST be rejected with a 500
    // (Server Internal Error) response."
    if (this.remote !== undefined && seq < this.remote) return { accept: false, status: 500, reason: 'CSeq out of order' };
    // "If the remote sequence number is empty, it MUST be set to the value of the sequence number in
    // the CSeq header field value in the request." (and it follows every request in order)
    this.remote = seq;
    // "When a UAS receives a target refresh request, it MUST replace the dialog's remote target URI
    // with the URI from the Contact header field in that request, if present."
    if (TARGET_REFRESH_METHODS.has(method)) {
      const c = firstContactUri(request);
      if (c !== undefined) this.target = c;
    }
    // §15.1.2: "the UAS MUST ... terminate the session (and therefore ... the dialog)" on a BYE.
    if (method === 'BYE') this.terminate();
    return { accept: true };
  }

  /**
   * A response to a request this side sent: the initial INVITE (turning an
   * early dialog confirmed, §13.2.2.4, or ending it, §12.3) or a request
   * inside the dialog (§12.2.1.2).
   */
  receiveResponse(request: SipRequest, response: SipResponse): void {
    if (this.current === DialogState.Terminated) return;
    const status = response.status;
    const method = request.method;
    if (status < 200) return;
    if (status < 300) {
      if (method === 'INVITE' && this.current === DialogState.Early) {
        // §13.2.2.4: "the dialog MUST be transitioned to the "confirmed" state, and the route set for
        // the dialog MUST be recomputed based on the 2xx response using the procedures of Section 12.2.1.2."
        this.routes = response.getAll('Record-Route').reverse();
        this.stateTransition(DialogState.Confirmed);
      }
      // §12.2.1.2: "When a UAC receives a 2xx response to a target refresh request, it MUST replace
      // the dialog's remote target URI with the URI from the Contact header field in that response, if present."
      if (TARGET_REFRESH_METHODS.has(method)) {
        const c = firstContactUri(response);
        if (c !== undefined) this.target = c;
      }
      if (method === 'BYE') this.terminate();
      return;
    }
    // §12.3: "if a request outside of a dialog generates a non-2xx final response, any early dialogs
    // created through provisional responses to that request are terminated."
    if (this.current === DialogState.Early && method === 'INVITE') this.terminate();
    // §12.2.1.2: "If the response for a request within a dialog is a 481 (Call/Transaction Does Not
    // Exist) or a 408 (Request Timeout), the UAC SHOULD terminate the dialog."
    else if (status === 481 || status === 408) this.terminate();
    // §15.1.1: a BYE ends the dialog whatever its final response.
    else if (method === 'BYE') this.terminate();
  }

  /**
   * The UAS side sent a final response to the request that created an early
   * dialog: a 2xx confirms it, anything else ends it (§12.1.1, §12.3).
   */
  responseSent(response: SipResponse): void {
    if (this.current !== DialogState.Early || response.status < 200) return;
    this.stateTransition(response.status < 300 ? DialogState.Confirmed : DialogState.Terminated);
  }
}

function firstContactUri(m: SipRequest | SipResponse): Uri | undefined {
  for (const c of m.contacts()) if (!c.star) return c.uri;
  return undefined;
}

function withTag(na: NameAddr, tag: string): string {
  const params = new Params(na.params.list.filter((p) => p.name.toLowerCase() !== 'tag'));
  if (tag !== '') params.set('tag', tag);
  return formatNameAddr({ displayName: na.displayName, uri: na.uri, params });
}

/**
 * A route URI as a Request-URI: RFC 3261 §19.1.1 Table 1 allows neither the
 * method parameter nor headers in a Request-URI.
 */
function requestUriForm(u: Uri): Uri {
  if (!isSipUri(u)) return u;
  const params = new Params(u.params.list.filter((p) => p.name.toLowerCase() !== 'method'));
  const stripped: SipUri = { ...u, params, headers: [] };
  return stripped;
}
