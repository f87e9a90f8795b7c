import { utf8Decode, utf8Encode } from '../formats/bytes.js';
import { normaliseUri } from '../formats/common-policy.js';
import { essence, parseMediaType, type MediaType } from '../formats/media-type.js';
import { buildMultipart, MultipartError, parseMultipart, type MultipartPart } from '../formats/multipart.js';
import { RESOURCE_LISTS_NS, RESOURCE_LISTS_TYPE } from '../formats/resource-lists.js';
import { parseXmlDocument } from '../formats/xml-parse.js';
import { attrValue, childElements, escapeAttr, type XmlElement } from '../formats/xml-tree.js';

/** RFC 5364 §4: the copyControl and anonymize attributes. */
export const COPY_CONTROL_NS = 'urn:ietf:params:xml:ns:copycontrol';

export interface Recipient {
  readonly uri: string;
  /** RFC 5364 §4: "to" when the attribute is absent. */
  readonly copyControl: 'to' | 'cc' | 'bcc';
  readonly anonymize: boolean;
}

export interface RecipientListMessage {
  /** The message for the recipients: its MIME headers and body. */
  readonly payload: { readonly headers: ReadonlyArray<readonly [string, string]>; readonly body: Uint8Array };
  /** In list order, without duplicates. */
  readonly recipients: readonly Recipient[];
}

/** Why a URI-list MESSAGE cannot be exploded; `status` is the SIP answer. */
export class RecipientListError extends Error {
  constructor(
    readonly status: 400 | 403 | 415,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'RecipientListError';
  }
}

/**
 * Reads a MESSAGE for a URI-list service (RFC 5365 §4): a multipart/mixed
 * body with the message and an application/resource-lists+xml part whose
 * Content-Disposition is "recipient-list".
 */
export function parseRecipientListMessage(contentType: MediaType | undefined, body: Uint8Array): RecipientListMessage {
  if (contentType === undefined || essence(contentType) !== 'multipart/mixed') {
    throw new RecipientListError(415, 'A URI-list MESSAGE carries multipart/mixed (RFC 5365 §4)');
  }
  const boundary = contentType.params.get('boundary');
  if (!boundary) throw new RecipientListError(400, 'multipart/mixed without a boundary');
  let parts: MultipartPart[];
  try {
    parts = parseMultipart(body, boundary);
  } catch (e) {
    if (e instanceof MultipartError) throw new RecipientListError(400, `Bad multipart body: ${e.reason}`);
    throw e;
  }
  const isList = (p: MultipartPart) => dispositionType(p.headers.get('content-disposition')) === 'recipient-list';
  const lists = parts.filter(isList);
  const others = parts.filter((p) => !isList(p));
  if (lists.length !== 1) throw new RecipientListError(400, 'Exactly one recipient-list part expected');
  if (others.length !== 1) throw new RecipientListError(400, 'Exactly one message part expected beside the recipient list');
  const list = lists[0]!;
  const listType = list.headers.get('content-type');
  if (!listType || mediaEssence(listType) !== RESOURCE_LISTS_TYPE) {
    throw new RecipientListError(415, `recipient-list part must be ${RESOURCE_LISTS_TYPE}`);
  }
  const payload = others[0]!;
  return {
    payload: { headers: payload.headers.list.map((h) => [h.name, h.value] as const), body: payload.body },
    recipients: readRecipients(utf8Decode(list.body)),
  };
}

function readRecipients(xml: string): Recipient[] {
  let root: XmlElement;
  try {
    root = parseXmlDocument(xml).root;
  } catch (e) {
    throw new RecipientListError(400, `recipient-list not well-formed: ${(e as Error).message}`);
  }
  if (root.local !== 'resource-lists' || root.ns !== RESOURCE_LISTS_NS) throw new RecipientListError(400, 'recipient-list root is not resource-lists');
  const out: Recipient[] = [];
  const seen = new Set<string>();
  const walk = (list: XmlElement) => {
    // RFC 5365 §4: "URI-lists ... MUST be flat"; references would make the service fetch lists on the sender's behalf.
    if (childElements(list, 'entry-ref', RESOURCE_LISTS_NS).length > 0 || childElements(list, 'external', RESOURCE_LISTS_NS).length > 0) {
      throw new RecipientListError(403, 'recipient-list must be flat: no entry-ref or external');
    }
    for (const e of childElements(list, 'entry', RESOURCE_LISTS_NS)) {
      const uri = attrValue(e, 'uri');
      if (uri === undefined) continue;
      const key = normaliseUri(uri);
      // RFC 5365 §3: one MESSAGE per intended recipient, even when the list names one twice.
      if (seen.has(key)) continue;
      seen.add(key);
      const cc = attrValue(e, 'copyControl', COPY_CONTROL_NS);
      out.push({
        uri,
        copyControl: cc === 'cc' || cc === 'bcc' ? cc : 'to',
        anonymize: attrValue(e, 'anonymize', COPY_CONTROL_NS) === 'true',
      });
    }
    for (const l of childElements(list, 'list', RESOURCE_LISTS_NS)) walk(l);
  };
  for (const l of childElements(root, 'list', RESOURCE_LISTS_NS)) walk(l);
  if (out.length === 0) throw new RecipientListError(400, 'recipient-list names no recipient');
  return out;
}

/**
 * The recipient-list-history body each copy carries (RFC 5365 §3,
 * RFC 5364 §5): the "to" and "cc" recipients, anonymized ones counted
 * under sip:anonymous@anonymous.invalid, "bcc" ones never shown. Null when
 * there is nobody to show.
 */
export function recipientListHistory(recipients: readonly Recipient[]): string | null {
  let entries = '';
  for (const cc of ['to', 'cc'] as const) {
    const shown = recipients.filter((r) => r.copyControl === cc && !r.anonymize);
    const hidden = recipients.filter((r) => r.copyControl === cc && r.anonymize).length;
    for (const r of shown) entries += `    <entry uri="${escapeAttr(r.uri)}" cp:copyControl="${cc}"/>\n`;
    if (hidden > 0) entries += `    <entry uri="sip:anonymous@anonymous.invalid" cp:copyControl="${cc}" cp:count="${hidden}"/>\n`;
  }
  if (entries === '') return null;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<resource-lists xmlns="${RESOURCE_LISTS_NS}" xmlns:cp="${COPY_CONTROL_NS}">\n` +
    `  <list>\n${entries}  </list>\n</resource-lists>\n`
  );
}

/** A copy's body: the payload alone, or multipart/mixed with the recipient-list-history (RFC 5365 §3). */
export function copyBody(
  payload: RecipientListMessage['payload'],
  history: string | null,
): { headers: Array<[string, string]>; body: Uint8Array } {
  if (history === null) return { headers: payload.headers.map(([n, v]) => [n, v]), body: payload.body };
  const mp = buildMultipart([
    { headers: payload.headers, body: payload.body },
    {
      headers: [['Content-Type', RESOURCE_LISTS_TYPE], ['Content-Disposition', 'recipient-list-history; handling=optional']],
      body: utf8Encode(history),
    },
  ]);
  return { headers: [['Content-Type', `multipart/mixed;boundary="${mp.boundary}"`]], body: mp.body };
}

function dispositionType(v: string | undefined): string {
  return v === undefined ? '' : v.split(';')[0]!.trim().toLowerCase();
}

function mediaEssence(v: string): string {
  try {
    return essence(parseMediaType(v));
  } catch {
    return '';
  }
}
