import { parseXmlDocument } from '../formats/xml-parse.js';
import { firstChild, textContent } from '../formats/xml-tree.js';
import type { XcapDocuments } from '../store/xcap-documents.js';
import { IM_SETTINGS_AUID, IM_SETTINGS_DOCUMENT, IM_SETTINGS_NS } from '../xdms/usages/im-service-settings.js';
import type { PushSettings } from './deferred-delivery.js';

/**
 * The user's IM service settings as the participating function applies
 * them (OMA IM digest §6.2, carried as an XDMS document, option (b)):
 * `<deferred-settings><offline-delivery>false</offline-delivery>` turns
 * push on registration off; stored messages then wait for the user to
 * fetch them (docs/decisions.md "IM server"). No document, or no such
 * element, means push is on.
 */
export class ImServiceSettings implements PushSettings {
  private readonly cache = new Map<string, { etag: string; push: boolean }>();

  constructor(private readonly documents: XcapDocuments) {}

  async pushEnabled(aor: string): Promise<boolean> {
    const key = { auid: IM_SETTINGS_AUID, xui: aor, path: IM_SETTINGS_DOCUMENT };
    const etag = await this.documents.etag(key);
    if (etag === null) return true;
    const hit = this.cache.get(aor);
    if (hit?.etag === etag) return hit.push;
    const doc = await this.documents.get(key);
    if (doc === null) return true;
    const push = readOfflineDelivery(doc.body);
    this.cache.set(aor, { etag: doc.etag, push });
    return push;
  }
}

/** `offline-delivery` as xs:boolean ("false" or "0" turn it off); anything unreadable leaves push on. */
export function readOfflineDelivery(xml: string): boolean {
  try {
    const root = parseXmlDocument(xml).root;
    const ds = firstChild(root, 'deferred-settings', IM_SETTINGS_NS);
    const od = ds && firstChild(ds, 'offline-delivery', IM_SETTINGS_NS);
    if (!od) return true;
    const v = textContent(od).trim();
    return !(v === 'false' || v === '0');
  } catch {
    return true;
  }
}
