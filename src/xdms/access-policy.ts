import {
  COMMON_POLICY_NS,
  identityMatches,
  normaliseUri,
  readRuleset,
  type IdentityCondition,
} from '../formats/common-policy.js';
import { parseXmlDocument } from '../formats/xml-parse.js';
import type { XmlDocumentTree } from '../formats/xml-tree.js';
import { IM_RULES_NS } from './usages/im-rules.js';

/** The IM user access policy reduced to what the participating function needs. */
export interface AccessPolicy {
  readonly accept: readonly IdentityCondition[];
  readonly reject: readonly IdentityCondition[];
}

export const EMPTY_ACCESS_POLICY: AccessPolicy = { accept: [], reject: [] };

const HANDLING = `{${IM_RULES_NS}}im-handling`;

/** Reads the im-rules document (a cr:ruleset); rules without an identity condition are ignored. */
export function readAccessPolicy(doc: XmlDocumentTree | string): AccessPolicy {
  const tree = typeof doc === 'string' ? parseXmlDocument(doc) : doc;
  if (tree.root.local !== 'ruleset' || tree.root.ns !== COMMON_POLICY_NS) return EMPTY_ACCESS_POLICY;
  const accept: IdentityCondition[] = [];
  const reject: IdentityCondition[] = [];
  for (const r of readRuleset(tree.root)) {
    if (r.identity === null) continue;
    const h = r.actions.get(HANDLING);
    if (h === 'reject') reject.push(r.identity);
    else if (h === 'accept') accept.push(r.identity);
  }
  return { accept, reject };
}

/**
 * OMA IM digest §4.4 / §8.3 (UNCONFIRMED semantics, decided for simpleim):
 * the user's own address always passes; a sender on the reject list is
 * rejected even if also accepted; when the accept list is not empty, only
 * senders on it pass; otherwise everyone passes.
 */
export function decide(policy: AccessPolicy, senderUri: string, ownAoR: string): 'accept' | 'reject' {
  if (normaliseUri(senderUri) === normaliseUri(ownAoR)) return 'accept';
  if (policy.reject.some((c) => identityMatches(c, senderUri))) return 'reject';
  if (policy.accept.length === 0) return 'accept';
  return policy.accept.some((c) => identityMatches(c, senderUri)) ? 'accept' : 'reject';
}
