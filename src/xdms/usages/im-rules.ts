import { COMMON_POLICY_NS } from '../../formats/common-policy.js';
import type { ApplicationUsage } from '../application-usage.js';

/**
 * The IM user access policy (OMA IM digest §4.4, AUID UNCONFIRMED): a
 * common-policy ruleset (RFC 4745) in the user's home directory, document
 * "index". Rules whose action <im-handling> is "reject" form the reject
 * list, "accept" the accept list; see access-policy.ts for the evaluation.
 * AUID chosen by analogy with the PoC usage org.openmobilealliance.poc-rules.
 */
export const IM_RULES_AUID = 'org.openmobilealliance.im-rules';
export const IM_RULES_NS = 'urn:oma:xml:im:im-rules';
export const IM_RULES_DOCUMENT = 'index';

export function imRulesUsage(): ApplicationUsage {
  return {
    auid: IM_RULES_AUID,
    // RFC 4745 §14's type for common-policy documents.
    mimeType: 'application/auth-policy+xml',
    defaultNamespace: COMMON_POLICY_NS,
    namespaces: [COMMON_POLICY_NS, IM_RULES_NS],
    schema: 'im-rules.xsd',
    root: { ns: COMMON_POLICY_NS, local: 'ruleset' },
    usersTree: true,
    ownerMayPut: true,
  };
}
