import { normaliseUri } from '../formats/common-policy.js';
import { isMember, joinPolicy, type ListService } from '../formats/oma-group.js';
import type { LocalRequest } from '../core/sip-core.js';
import { SipRequest, type SipResponse } from '../sip/message.js';
import { formatNameAddr } from '../sip/name-addr.js';
import { Params } from '../sip/params.js';
import { createResponse } from '../sip/response.js';
import { newCallId, newTag } from '../sip/ids.js';
import { copyBody, parseRecipientListMessage, recipientListHistory, RecipientListError, type Recipient } from './recipient-list-message.js';

/** Pre-defined groups (OMA IM digest §4.3), as the XDMS serves them (XdmsDirectory.groupByUri). */
export interface GroupDirectory {
  groupByUri(uri: string): Promise<{ owner: string | null; group: ListService } | null>;
}

export interface UriListExploderOptions {
  /** The conference-factory URI's AoR key, e.g. "sip:conference-factory@example.com". */
  readonly factory: string;
  readonly groups: GroupDirectory;
  /** Sends one copy through the core to its recipient (InternalRoute.send). */
  readonly send: (req: SipRequest) => Promise<SipResponse>;
  readonly onCopy?: (status: number) => void;
}

/** The option tag a URI-list MESSAGE must require (RFC 5365 §4). */
export const RECIPIENT_LIST_MESSAGE = 'recipient-list-message';
/** Header fields of the original that every copy repeats. */
const CARRIED = ['Subject', 'Priority', 'In-Reply-To', 'Accept-Contact', 'Reject-Contact', 'Request-Disposition'];

/**
 * The controlling function for pager-mode group messages (OMA IM digest
 * §3.2, §8.1 "URI-list exploder"): a MESSAGE to the conference factory URI
 * with a recipient list (RFC 5365), or to a pre-defined group URI, becomes
 * one MESSAGE per recipient, each from the original sender, each going
 * through its recipient's terminating participating function. The sender
 * gets 202 at once (RFC 5365 §3: the service answers without waiting for
 * the recipients).
 */
export class UriListExploder {
  constructor(private readonly o: UriListExploderOptions) {}

  /** CoreHooks.serviceRequest for MESSAGE: true when the request has been answered. */
  async serviceRequest(r: LocalRequest): Promise<boolean> {
    const req = r.request;
    if (req.method !== 'MESSAGE') return false;
    if (r.target === this.o.factory) return this.uriList(r);
    const found = await this.o.groups.groupByUri(r.target);
    if (found === null) return false;
    return this.group(r, found.group);
  }

  private async uriList(r: LocalRequest): Promise<boolean> {
    const req = r.request;
    const tags = req.optionTags('Require');
    const unsupported = tags.filter((t) => t !== RECIPIENT_LIST_MESSAGE);
    if (unsupported.length > 0) return this.answer(r, 420, undefined, [['Unsupported', unsupported.join(', ')]]);
    // RFC 5365 §4: "The UAC MUST also include the 'recipient-list-message' option-tag ... in a Require header field".
    if (!tags.includes(RECIPIENT_LIST_MESSAGE)) return this.answer(r, 400, 'Require: recipient-list-message missing');
    if (r.originator === null) return this.answer(r, 403, 'URI-list service for local users only');
    let parsed;
    try {
      parsed = parseRecipientListMessage(req.contentType(), req.body);
    } catch (e) {
      if (e instanceof RecipientListError) return this.answer(r, e.status, e.reason);
      throw e;
    }
    const history = recipientListHistory(parsed.recipients);
    const body = copyBody(parsed.payload, history);
    this.answer(r, 202, 'Accepted for delivery to the list');
    this.fanOut(req, parsed.recipients, body);
    return true;
  }

  private async group(r: LocalRequest, g: ListService): Promise<boolean> {
    const req = r.request;
    const sender = r.originator;
    // Digest §3.2: "after policy checks (sender must be allowed, e.g. a member if restricted)".
    if (sender === null || (joinPolicy(g) === 'restricted' && !isMember(g, sender, normaliseUri))) {
      return this.answer(r, 403, 'Not allowed to send to this group');
    }
    const me = normaliseUri(sender);
    const recipients: Recipient[] = [];
    const seen = new Set<string>([me]);
    for (const m of g.members) {
      const k = normaliseUri(m.uri);
      if (seen.has(k)) continue;
      seen.add(k);
      recipients.push({ uri: m.uri, copyControl: 'to', anonymize: false });
    }
    const headers: Array<[string, string]> = [];
    for (const n of ['Content-Type', 'Content-Encoding', 'Content-Language', 'Content-Disposition']) {
      for (const v of req.getLines(n)) headers.push([n, v]);
    }
    this.answer(r, 202, 'Accepted for delivery to the group');
    this.fanOut(req, recipients, { headers, body: req.body });
    return true;
  }

  private fanOut(req: SipRequest, recipients: readonly Recipient[], body: { headers: Array<[string, string]>; body: Uint8Array }): void {
    const from = req.from();
    const fromValue = formatNameAddr({ displayName: from.displayName, uri: from.uri, params: new Params() });
    const pai = req.getLines('p-asserted-identity');
    const carried: Array<[string, string]> = [];
    for (const n of CARRIED) for (const v of req.getLines(n)) carried.push([n, v]);
    for (const rcpt of recipients) {
      const copy = new SipRequest('MESSAGE', rcpt.uri);
      copy.append('Max-Forwards', '70');
      copy.append('From', `${fromValue};tag=${newTag()}`);
      copy.append('To', `<${rcpt.uri}>`);
      copy.append('Call-ID', newCallId());
      copy.append('CSeq', '1 MESSAGE');
      // OMA IM digest §5: requests the IM server sends on a user's behalf carry the originator.
      for (const v of pai) copy.append('P-Asserted-Identity', v);
      for (const [n, v] of carried) copy.append(n, v);
      for (const [n, v] of body.headers) copy.append(n, v);
      copy.body = body.body;
      void this.o.send(copy).then(
        (res) => this.o.onCopy?.(res.status),
        () => this.o.onCopy?.(500),
      );
    }
  }

  private answer(r: LocalRequest, status: number, reason?: string, headers?: ReadonlyArray<readonly [string, string]>): true {
    r.tx.respond(createResponse(r.request, status, { toTag: newTag(), ...(reason ? { reason } : {}), ...(headers ? { headers } : {}) }));
    return true;
  }
}
