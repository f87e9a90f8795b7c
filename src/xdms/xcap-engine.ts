import { XCAP_ERROR_TYPE, serializeXcapError, type XcapErrorCondition } from '../formats/xcap-error.js';
import { fnv1a32 } from '../formats/fnv.js';
import { XmlSyntaxError, parseXmlDocument, parseXmlElementFragment } from '../formats/xml-parse.js';
import {
  decodeText,
  escapeAttr,
  inScopeNamespaces,
  invalidate,
  invalidateText,
  serializeDocument,
  serializeElement,
  type XmlAttr,
  type XmlDocumentTree,
  type XmlElement,
} from '../formats/xml-tree.js';
import { checkWellFormed } from '../formats/xml-wellformed.js';
import type { XcapDocumentChange, XcapDocumentKey, XcapDocuments, XcapWriteResult } from '../store/xcap-documents.js';
import type { ApplicationUsage, StoredTree } from './application-usage.js';
import { evaluatePreconditions } from './conditional.js';
import { DocumentCache } from './document-cache.js';
import { incrementalValidationTarget, type TreeChange } from './incremental-validation.js';
import { NodeSelectorError, encodeNodeSelector, parseNodeSelector, selectorPrefixes, type NodeSelector, type Step } from './node-selector.js';
import { loadSchema, loadSchemaEngine } from './schema-validator.js';
import { applyStep, findAttr, nameMatches, selectChild, selectPath, updateChildLookups, type SelectContext } from './select.js';
import { defaultUsages, type UsageRegistry } from './usages/registry.js';
import { XcapUriError, parseXcapUri, type XcapUri } from './xcap-uri.js';

export const XCAP_EL_TYPE = 'application/xcap-el+xml';
export const XCAP_ATT_TYPE = 'application/xcap-att+xml';
export const XCAP_NS_TYPE = 'application/xcap-ns+xml';

export interface XcapResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface XcapRequestData {
  readonly method: string;
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
  /** Media type without parameters, lower-cased. */
  readonly contentType?: string;
  readonly body: Uint8Array;
}

export interface XcapEngineOptions {
  readonly store: XcapDocuments;
  readonly usages?: UsageRegistry;
  /** Path of the XCAP root (default "/xcap"). */
  readonly root?: string;
  /** Principals (e.g. the IM server's identity) that may write any document, including the global tree. */
  readonly trustedUsers?: readonly string[];
  /** RFC 4825 §8: "If the URI refers to a user ... not recognized by the server, it MUST reject the request with a 404". */
  readonly userExists?: (xui: string) => boolean | Promise<boolean>;
  /** Strong ETag source (quoted); injectable for tests. */
  readonly newEtag?: () => string;
  /** Called after each change made through XCAP (the store's onChange also sees other writers). */
  readonly onChange?: (change: XcapDocumentChange) => void;
  readonly cacheSize?: number;
}

/** A request whose URI is understood; produced before authentication (RFC 4825 §8 order). */
export interface PreparedRequest {
  readonly uri: XcapUri;
  readonly usage: ApplicationUsage;
  readonly selector: NodeSelector | null;
  readonly key: XcapDocumentKey;
}

class Reject {
  constructor(readonly response: XcapResponse) {}
}

/** A write whose tree change is done and whose commit is queued in the store. */
interface Staged {
  readonly tree: XmlDocumentTree;
  readonly etag: string;
  readonly previousEtag: string | null;
  readonly created: boolean;
  readonly commit: Promise<XcapWriteResult>;
}

/** Conditional requests and DELETEs wait until no write of the document is queued. */
const BUSY = Symbol('busy');

function plain(status: number, extra: Record<string, string> = {}): XcapResponse {
  return { status, headers: { ...extra } };
}

function conflict(c: XcapErrorCondition): XcapResponse {
  return { status: 409, headers: { 'Content-Type': XCAP_ERROR_TYPE }, body: serializeXcapError(c) };
}

function fail(c: XcapErrorCondition): never {
  throw new Reject(conflict(c));
}

const ALLOW = 'GET, PUT, DELETE';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function cacheKey(k: XcapDocumentKey): string {
  return `${k.auid}\u0000${k.xui ?? ''}\u0000${k.path}`;
}

let etagCounter = 0;
function defaultEtag(): string {
  etagCounter = (etagCounter + 1) % 0x100000;
  return `"${Date.now().toString(36)}${etagCounter.toString(36)}-${globalThis.crypto.randomUUID().slice(0, 8)}"`;
}

/**
 * The XCAP server's request processing (RFC 4825 §8), independent of the
 * HTTP library: URIs in, status, headers and body out.
 */
export class XcapEngine {
  readonly usages: UsageRegistry;
  readonly root: string;
  private readonly store: XcapDocuments;
  private readonly cache: DocumentCache;
  private readonly trusted: ReadonlySet<string>;
  private readonly newEtag: () => string;
  private readonly locks = new Map<string, Promise<void>>();
  /**
   * Per document, the latest write queued but not yet committed, with the
   * tree it produced. The next PUT of that document builds on it (its
   * compare-and-swap expects that write's ETag), so writes of one document
   * pipeline into the store's group commit instead of waiting one fsync
   * each. Readers never see it: GET reads the committed ETag.
   */
  private readonly pending = new Map<string, Staged>();
  /** Trees known to be valid and to meet the usage's constraints (not merely read from the store). */
  private readonly validTrees = new WeakSet<XmlDocumentTree>();

  constructor(private readonly opts: XcapEngineOptions) {
    this.store = opts.store;
    this.usages = opts.usages ?? defaultUsages();
    this.root = opts.root ?? '/xcap';
    this.cache = new DocumentCache(opts.cacheSize ?? 256);
    this.trusted = new Set(opts.trustedUsers ?? []);
    this.newEtag = opts.newEtag ?? defaultEtag;
  }

  /** URI checks that come before authentication: unknown AUID, user or selector is 404; bad encoding 400. */
  async prepare(target: string): Promise<PreparedRequest | XcapResponse> {
    let uri: XcapUri;
    try {
      uri = parseXcapUri(target, this.root);
    } catch (e) {
      if (e instanceof XcapUriError) return plain(e.status);
      throw e;
    }
    const usage = this.usages.get(uri.auid);
    if (usage === undefined) return plain(404);
    if (uri.tree === 'users') {
      if (!usage.usersTree) return plain(404);
      if (this.opts.userExists && !(await this.opts.userExists(uri.xui!))) return plain(404);
    }
    let selector: NodeSelector | null = null;
    if (uri.nodeSelector !== null) {
      try {
        selector = parseNodeSelector(uri.nodeSelector);
      } catch (e) {
        if (e instanceof NodeSelectorError) return plain(404);
        throw e;
      }
      // RFC 4825 §8: a prefix not defined in an xmlns() expression "MUST reject the request with a 400".
      for (const p of selectorPrefixes(selector)) if (!uri.namespaces.has(p)) return plain(400);
    }
    return { uri, usage, selector, key: { auid: uri.auid, xui: uri.xui, path: uri.docPath } };
  }

  async handle(req: PreparedRequest, user: string, data: XcapRequestData): Promise<XcapResponse> {
    try {
      const r = await this.dispatch(req, user, data);
      return { ...r, headers: { 'Cache-Control': 'no-cache', ...r.headers } };
    } catch (e) {
      if (e instanceof Reject) return e.response;
      throw e;
    }
  }

  private async dispatch(req: PreparedRequest, user: string, data: XcapRequestData): Promise<XcapResponse> {
    const { uri, usage, selector } = req;
    const m = data.method;
    if (m !== 'GET' && m !== 'PUT' && m !== 'DELETE' && m !== 'HEAD') return plain(405, { Allow: ALLOW });
    const trusted = this.trusted.has(user);
    const own = uri.tree === 'users' && uri.xui === user;
    if (m === 'PUT' || m === 'DELETE') {
      // RFC 4825 §5.7: users write their home directory; only trusted principals write the global tree.
      if (!trusted && !own) return plain(403);
      if (!trusted && m === 'PUT' && !usage.ownerMayPut) return plain(403);
      if (usage.globalDocument && uri.tree === 'global') return plain(403);
      if (selector?.terminal?.kind === 'namespace') return plain(405, { Allow: 'GET' });
    }
    if (m === 'GET' || m === 'HEAD') return this.get(req, user, trusted || own || uri.tree === 'global', data);
    if (m === 'PUT') return this.put(req, data);
    return this.whenSettled(cacheKey(req.key), () => this.delete(req, data));
  }

  /** Runs `fn` under the document's lock once no write of it is queued uncommitted. */
  private async whenSettled<T>(ck: string, fn: () => Promise<T>): Promise<T> {
    for (;;) {
      for (let p = this.pending.get(ck); p !== undefined; p = this.pending.get(ck)) await p.commit.catch(() => undefined);
      const r = await this.withLock(ck, async () => (this.pending.has(ck) ? BUSY : fn()));
      if (r !== BUSY) return r as T;
    }
  }

  /** A queued write failed or its tree was spoilt: later writes must not build on that tree. */
  private abandon(ck: string, tree: XmlDocumentTree): void {
    if (this.pending.get(ck)?.tree === tree) this.pending.delete(ck);
    this.validTrees.delete(tree);
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    this.locks.set(key, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(key) === chained) this.locks.delete(key);
    }
  }

  private ctx(usage: ApplicationUsage, uri: XcapUri): SelectContext {
    return { bindings: uri.namespaces, defaultNamespace: usage.defaultNamespace };
  }

  private async load(key: XcapDocumentKey): Promise<{ etag: string; tree: XmlDocumentTree; body: string } | null> {
    const ck = cacheKey(key);
    // A cache hit costs an ETag read only; the tree re-serialises to the stored text.
    const etag = await this.store.etag(key);
    if (etag === null) return null;
    const hit = this.cache.get(ck, etag);
    if (hit !== undefined) return { etag, tree: hit, body: serializeDocument(hit) };
    const rec = await this.store.get(key);
    if (rec === null) return null;
    const tree = parseXmlDocument(rec.body);
    this.cache.set(ck, rec.etag, tree);
    return { etag: rec.etag, tree, body: rec.body };
  }

  private async get(req: PreparedRequest, user: string, mayRead: boolean, data: XcapRequestData): Promise<XcapResponse> {
    const { uri, usage, selector } = req;
    if (uri.tree === 'global' && usage.globalDocument) {
      const body = usage.globalDocument(uri.docPath);
      if (body === null) return plain(404);
      if (selector !== null) return plain(404);
      const etag = `"${simpleHash(body)}"`;
      const pre = evaluatePreconditions(data.method, data.ifMatch, data.ifNoneMatch, etag);
      if (pre === 'failed') return plain(412);
      if (pre === 'not-modified') return plain(304, { ETag: etag });
      return { status: 200, headers: { 'Content-Type': usage.mimeType, ETag: etag }, body };
    }
    const doc = await this.load(req.key);
    if (!mayRead) {
      // Another user's document: readable only where the usage says so (e.g. group members).
      if (doc === null || !usage.readableBy?.(doc.tree, user)) return plain(403);
    }
    if (doc === null) return plain(404);
    const pre = evaluatePreconditions(data.method, data.ifMatch, data.ifNoneMatch, doc.etag);
    if (pre === 'failed') return plain(412, { ETag: doc.etag });
    if (pre === 'not-modified') return plain(304, { ETag: doc.etag });
    if (selector === null) return { status: 200, headers: { 'Content-Type': usage.mimeType, ETag: doc.etag }, body: doc.body };
    const ctx = this.ctx(usage, uri);
    const el = selectPath(doc.tree, selector.steps, ctx).element;
    if (el === null) return plain(404);
    const t = selector.terminal;
    if (t === null) {
      // RFC 4825 §8.3: the element as it is in the document; no namespace bindings are added.
      return { status: 200, headers: { 'Content-Type': XCAP_EL_TYPE, ETag: doc.etag }, body: serializeElement(el) };
    }
    if (t.kind === 'attribute') {
      const a = findAttr(el, t, ctx);
      if (a === undefined) return plain(404);
      return { status: 200, headers: { 'Content-Type': XCAP_ATT_TYPE, ETag: doc.etag }, body: `"${escapeAttr(a.value)}"` };
    }
    // RFC 4825 §10: an element with the same prefix and local name carrying every binding in scope.
    let decls = '';
    for (const [p, u] of inScopeNamespaces(el)) {
      if (p === 'xml') continue;
      decls += p === '' ? ` xmlns="${escapeAttr(u)}"` : ` xmlns:${p}="${escapeAttr(u)}"`;
    }
    return { status: 200, headers: { 'Content-Type': XCAP_NS_TYPE, ETag: doc.etag }, body: `<${el.qname}${decls}/>` };
  }

  private decodeBody(body: Uint8Array): string {
    try {
      let s = utf8.decode(body);
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      return s;
    } catch {
      fail({ kind: 'not-utf-8' });
    }
  }

  private ancestorUri(uri: XcapUri, steps: readonly Step[], matched: number): string {
    const docUri = `${this.root}/${uri.documentSelector}`;
    if (matched === 0) return docUri;
    const sel = steps.slice(0, matched).map((s) => s.text).join('/');
    let q = '';
    if (uri.namespaces.size > 0) q = '?' + [...uri.namespaces].map(([p, u]) => `xmlns(${p}=${u})`).join('');
    return `${docUri}/~~/${encodeNodeSelector(sel)}${encodeURI(q)}`;
  }

  private async put(req: PreparedRequest, data: XcapRequestData): Promise<XcapResponse> {
    await loadSchemaEngine();
    const { uri, usage, selector } = req;
    const ct = data.contentType;
    if (selector === null) {
      // RFC 4825 §8.2.2: the document's own MIME type, else 415.
      if (ct !== usage.mimeType) return plain(415);
    } else if (selector.terminal === null) {
      if (ct !== XCAP_EL_TYPE) return plain(415);
    } else if (ct !== XCAP_ATT_TYPE) return plain(415);
    if (uri.docPath === '') return plain(404);
    if (selector === null && uri.docPath.includes('/')) {
      // RFC 4825 §8.2.1: no sub-directories exist here, so the directory is missing.
      fail({ kind: 'no-parent', ancestor: `${this.root}/${uri.documentSelector.split('/').slice(0, uri.tree === 'users' ? 3 : 2).join('/')}` });
    }
    const ck = cacheKey(req.key);
    const conditional = data.ifMatch !== undefined || data.ifNoneMatch !== undefined;
    for (let attempt = 0; ; attempt++) {
      // A conditional PUT is evaluated against committed state only.
      const staged = conditional
        ? await this.whenSettled(ck, () => this.stagePut(req, data, ck))
        : await this.withLock(ck, () => this.stagePut(req, data, ck));
      if (!('commit' in staged)) return staged;
      let res: XcapWriteResult;
      try {
        res = await staged.commit;
      } catch (e) {
        this.abandon(ck, staged.tree);
        throw e;
      }
      if (!res.ok) {
        // Another writer (another node, or the IM server) changed the document meanwhile.
        this.abandon(ck, staged.tree);
        if (conditional || attempt >= 2) return plain(412);
        continue;
      }
      if (this.pending.get(ck) === staged) {
        this.pending.delete(ck);
        this.cache.set(ck, staged.etag, staged.tree);
      }
      this.opts.onChange?.({ auid: req.key.auid, xui: req.key.xui, document: req.key.path, oldEtag: staged.previousEtag, newEtag: staged.etag });
      return plain(staged.created ? 201 : 200, { ETag: staged.etag });
    }
  }

  /** Under the document's lock: applies the PUT to the latest tree, validates it and queues the write. */
  private async stagePut(req: PreparedRequest, data: XcapRequestData, ck: string): Promise<Staged | XcapResponse> {
    const { usage, selector } = req;
    const prior = this.pending.get(ck);
    const curEtag = prior !== undefined ? prior.etag : await this.store.etag(req.key);
    const pre = evaluatePreconditions('PUT', data.ifMatch, data.ifNoneMatch, curEtag);
    if (pre !== 'ok') return plain(412);
    let tree: XmlDocumentTree;
    let created: boolean;
    let change: TreeChange | null = null;
    let wasValid = false;
    if (selector === null) {
      tree = this.parseDocumentBody(data.body);
      created = curEtag === null;
    } else {
      if (curEtag === null) fail({ kind: 'no-parent', ancestor: this.ancestorUri(req.uri, selector.steps, 0) });
      tree = prior?.tree ?? this.cache.take(ck, curEtag) ?? (await this.parseStored(req.key));
      wasValid = this.validTrees.has(tree);
      try {
        const r = selector.terminal === null ? this.putElement(req, tree, data.body) : this.putAttribute(req, tree, data.body);
        created = r.created;
        change = r.change;
        this.validate(usage, tree, wasValid ? change : null);
        const bad = await this.constraints(usage, tree, req.key, wasValid ? change : null);
        if (bad !== null) fail(bad);
      } catch (e) {
        // The tree may be half changed: nobody may build on it.
        this.abandon(ck, tree);
        throw e;
      }
    }
    if (selector === null) {
      this.validate(usage, tree, null);
      const bad = await this.constraints(usage, tree, req.key, null);
      if (bad !== null) fail(bad);
    }
    this.validTrees.add(tree);
    const etag = this.newEtag();
    const commit = this.store.put({ ...req.key, body: serializeDocument(tree), etag }, curEtag);
    const staged: Staged = { tree, etag, previousEtag: curEtag, created, commit };
    this.pending.set(ck, staged);
    return staged;
  }

  private parseDocumentBody(raw: Uint8Array): XmlDocumentTree {
    const text = this.decodeBody(raw);
    const wf = checkWellFormed(text);
    if (wf.declaredEncoding !== undefined && !/^utf-?8$/i.test(wf.declaredEncoding)) fail({ kind: 'not-utf-8' });
    if (wf.error !== null) fail({ kind: 'not-well-formed', phrase: wf.error.reason });
    try {
      return parseXmlDocument(text);
    } catch (e) {
      if (e instanceof XmlSyntaxError) fail({ kind: 'not-well-formed', phrase: e.reason });
      throw e;
    }
  }

  private async parseStored(key: XcapDocumentKey): Promise<XmlDocumentTree> {
    const rec = await this.store.get(key);
    // Deleted between the ETag read and now: the CAS write below will fail and retry.
    return parseXmlDocument(rec?.body ?? '<gone/>');
  }

  /** RFC 4825 §8.2.3 / §8.2.4 for elements; `created` is true when the element is new. */
  private putElement(req: PreparedRequest, tree: XmlDocumentTree, raw: Uint8Array): { created: boolean; change: TreeChange | null } {
    const { uri, usage, selector } = req;
    const steps = selector!.steps;
    const ctx = this.ctx(usage, uri);
    const parentSteps = steps.slice(0, -1);
    const target = steps[steps.length - 1]!;
    let parent: XmlElement | null = null;
    if (parentSteps.length > 0) {
      const p = selectPath(tree, parentSteps, ctx);
      if (p.element === null) fail({ kind: 'no-parent', ancestor: this.ancestorUri(uri, steps, p.matched) });
      parent = p.element;
    }
    const text = this.decodeBody(raw);
    const scope = parent === null ? new Map<string, string>() : inScopeNamespaces(parent);
    const wf = checkWellFormed(text, { fragment: true, namespaces: scope });
    if (wf.error !== null) fail({ kind: 'not-xml-frag', phrase: wf.error.reason });
    let el: XmlElement;
    try {
      el = parseXmlElementFragment(text, scope, parent);
    } catch (e) {
      if (e instanceof XmlSyntaxError) fail({ kind: 'not-xml-frag', phrase: e.reason });
      throw e;
    }
    let created: boolean;
    let change: TreeChange | null = null;
    if (parent === null) {
      // The target is the root element itself: only replacement is possible.
      const r = applyStep([tree.root], target, ctx);
      if (r.kind !== 'one') fail({ kind: 'cannot-insert', phrase: 'a document has exactly one root element' });
      tree.root = el;
      created = false;
    } else {
      let replaced: XmlElement | null = null;
      const kids = parent.children;
      const r = selectChild(parent, target, ctx);
      if (r.kind === 'many') fail({ kind: 'cannot-insert', phrase: 'the node selector selects more than one element' });
      if (r.kind === 'one') {
        kids[kids.indexOf(r.element)] = el;
        replaced = r.element;
        created = false;
      } else {
        const elems = kids.filter((c): c is XmlElement => c.kind === 'element');
        const at = insertionIndex(kids, elems, target, el, ctx);
        if (at === null) fail({ kind: 'cannot-insert', phrase: `fewer than ${target.position! - 1} siblings before the position` });
        kids.splice(at, 0, el);
        created = true;
      }
      invalidateText(parent);
      updateChildLookups(parent, replaced, el);
      change = { kind: 'element', parent, element: el, replaced };
    }
    // RFC 4825 §8.2.3: "The insertion is done such that the request URI, when evaluated, would now point to the element".
    if (selectPath(tree, steps, ctx).element !== el) fail({ kind: 'cannot-insert' });
    return { created, change };
  }

  private putAttribute(req: PreparedRequest, tree: XmlDocumentTree, raw: Uint8Array): { created: boolean; change: TreeChange } {
    const { uri, usage, selector } = req;
    const ctx = this.ctx(usage, uri);
    const t = selector!.terminal as { kind: 'attribute'; prefix: string | null; local: string };
    const p = selectPath(tree, selector!.steps, ctx);
    if (p.element === null) fail({ kind: 'no-parent', ancestor: this.ancestorUri(uri, selector!.steps, p.matched) });
    const el = p.element;
    const text = this.decodeBody(raw).trim();
    // RFC 4825 §8.2.2: the body must match XML 1.0's AttValue production.
    const m = /^(?:"((?:[^<&"]|&(?:#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);)*)"|'((?:[^<&']|&(?:#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);)*)')$/.exec(text);
    if (m === null) fail({ kind: 'not-xml-att-value' });
    const value = decodeText((m[1] ?? m[2]!).replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' '));
    const existing = findAttr(el, t, ctx);
    let qname: string;
    let ns: string | null = null;
    if (existing !== undefined) qname = existing.qname;
    else if (t.prefix === null) qname = t.local;
    else {
      ns = ctx.bindings.get(t.prefix)!;
      let docPrefix: string | undefined;
      for (const [dp, du] of inScopeNamespaces(el)) if (du === ns && dp !== '') docPrefix = dp;
      if (docPrefix === undefined) fail({ kind: 'cannot-insert', phrase: `no prefix is declared for ${ns} in the document` });
      qname = `${docPrefix}:${t.local}`;
    }
    const attr: XmlAttr = {
      qname,
      prefix: existing?.prefix ?? (t.prefix === null ? null : qname.split(':')[0]!),
      local: t.local,
      ns: existing?.ns ?? ns,
      value,
      raw: ` ${qname}="${escapeAttr(value)}"`,
      isNsDecl: false,
    };
    if (existing !== undefined) el.attrs[el.attrs.indexOf(existing)] = attr;
    else el.attrs.push(attr);
    rebuildOpenTag(el);
    invalidate(el);
    const after = selectPath(tree, selector!.steps, ctx).element;
    if (after !== el || findAttr(el, t, ctx)?.value !== value) fail({ kind: 'cannot-insert' });
    return { created: existing === undefined, change: { kind: 'attribute', element: el } };
  }

  private async delete(req: PreparedRequest, data: XcapRequestData): Promise<XcapResponse> {
    await loadSchemaEngine();
    const { uri, usage, selector } = req;
    for (let attempt = 0; ; attempt++) {
      const current = await this.store.get(req.key);
      if (current === null) return plain(404);
      const pre = evaluatePreconditions('DELETE', data.ifMatch, data.ifNoneMatch, current.etag);
      if (pre !== 'ok') return plain(412);
      if (selector === null) {
        const res = await this.store.delete(req.key, current.etag);
        if (!res.ok) {
          if (data.ifMatch !== undefined || attempt >= 2) return plain(412);
          continue;
        }
        this.cache.delete(cacheKey(req.key));
        this.opts.onChange?.({ auid: req.key.auid, xui: req.key.xui, document: req.key.path, oldEtag: current.etag, newEtag: null });
        return plain(200);
      }
      const ck = cacheKey(req.key);
      // Select on the cached tree first so a 404 does not cost the cache entry.
      const peek = this.cache.get(ck, current.etag) ?? parseXmlDocument(current.body);
      const ctx = this.ctx(usage, uri);
      const found = selectPath(peek, selector.steps, ctx).element;
      if (found === null) return plain(404);
      const t = selector.terminal;
      if (t !== null && (t.kind !== 'attribute' || findAttr(found, t, ctx) === undefined)) return plain(404);
      const tree = this.cache.take(ck, current.etag) ?? peek;
      const wasValid = this.validTrees.has(tree);
      this.validTrees.delete(tree);
      const el = selectPath(tree, selector.steps, ctx).element!;
      let change: TreeChange;
      if (t === null) {
        if (el.parent === null) fail({ kind: 'schema-validation-error', phrase: 'a document needs its root element' });
        const parent = el.parent;
        // RFC 4825 §8.4: the element goes, the whitespace around it stays.
        parent.children.splice(parent.children.indexOf(el), 1);
        invalidateText(parent);
        updateChildLookups(parent, el, null);
        change = { kind: 'removed', parent, removed: el };
        if (selectPath(tree, selector.steps, ctx).element !== null) fail({ kind: 'cannot-delete' });
      } else {
        const a = findAttr(el, t as { prefix: string | null; local: string }, ctx)!;
        el.attrs.splice(el.attrs.indexOf(a), 1);
        rebuildOpenTag(el);
        invalidate(el);
        change = { kind: 'attribute', element: el };
        const again = selectPath(tree, selector.steps, ctx).element;
        if (again !== null && findAttr(again, t as { prefix: string | null; local: string }, ctx) !== undefined) fail({ kind: 'cannot-delete' });
      }
      this.validate(usage, tree, wasValid ? change : null);
      const bad = await this.constraints(usage, tree, req.key, wasValid ? change : null);
      if (bad !== null) fail(bad);
      this.validTrees.add(tree);
      const etag = this.newEtag();
      const res = await this.store.put({ ...req.key, body: serializeDocument(tree), etag }, current.etag);
      if (!res.ok) {
        if (data.ifMatch !== undefined || attempt >= 2) return plain(412);
        continue;
      }
      this.cache.set(ck, etag, tree);
      this.opts.onChange?.({ auid: req.key.auid, xui: req.key.xui, document: req.key.path, oldEtag: current.etag, newEtag: etag });
      return plain(200, { ETag: etag });
    }
  }

  /**
   * RFC 4825 §8.2.5: the resulting document must be schema-valid. `change`
   * (only for a tree that was valid before it) allows validating a skeleton
   * where incremental-validation.ts shows that is equivalent; a skeleton
   * that fails is re-checked on the whole document, so the error reported
   * is always the whole document's.
   */
  private validate(usage: ApplicationUsage, tree: XmlDocumentTree, change: TreeChange | null): void {
    if (tree.root.local !== usage.root.local || tree.root.ns !== usage.root.ns) {
      fail({ kind: 'schema-validation-error', phrase: `the root element must be {${usage.root.ns}}${usage.root.local}` });
    }
    if (usage.schema === null) return;
    const schema = loadSchema(usage.schema);
    const part = change === null ? null : incrementalValidationTarget(usage.repeatableChildren, change);
    if (part === '' || (part !== null && schema.validate(part) === null)) return;
    const err = schema.validate(serializeDocument(tree));
    if (err !== null) fail({ kind: 'schema-validation-error', phrase: err });
  }

  private async constraints(usage: ApplicationUsage, tree: XmlDocumentTree, key: XcapDocumentKey, change: TreeChange | null): Promise<XcapErrorCondition | null> {
    if (!usage.checkConstraints) return null;
    if (change !== null && usage.checkConstraintsAfter) {
      if (change.kind !== 'attribute') return usage.checkConstraintsAfter(tree, change.parent, change.kind === 'element' ? change.element : null);
      if (change.element.parent !== null) return usage.checkConstraintsAfter(tree, change.element.parent, change.element);
    }
    return usage.checkConstraints(tree, {
      key,
      documentsOf: async (auid): Promise<StoredTree[]> => {
        const out: StoredTree[] = [];
        for (const rec of await this.store.listByAuid(auid)) {
          const ck = cacheKey(rec);
          let t = this.cache.get(ck, rec.etag);
          if (t === undefined) {
            t = parseXmlDocument(rec.body);
            this.cache.set(ck, rec.etag, t);
          }
          out.push({ key: { auid: rec.auid, xui: rec.xui, path: rec.path }, etag: rec.etag, tree: t });
        }
        return out;
      },
    });
  }
}

/**
 * Where a new element goes among `kids` (RFC 4825 §8.2.3): after the last
 * sibling of the same name ("earliest last"), at the very end when there is
 * none, or in the "earliest nth" position for a positional step; null when
 * fewer than n-1 candidate siblings exist.
 */
export function insertionIndex(
  kids: readonly (XmlElement | { kind: string })[],
  elems: readonly XmlElement[],
  step: Step,
  el: XmlElement,
  ctx: SelectContext,
): number | null {
  if (step.position === null) {
    if (step.name.kind === 'any') return kids.length;
    let last: XmlElement | undefined;
    for (const c of elems) if (c.local === el.local && c.ns === el.ns) last = c;
    return last === undefined ? kids.length : kids.indexOf(last) + 1;
  }
  const n = step.position;
  const same = elems.filter((c) => nameMatches(c, step.name, ctx));
  if (n === 1) return same.length > 0 ? kids.indexOf(same[0]!) : kids.length;
  if (same.length < n - 1) return null;
  return kids.indexOf(same[n - 2]!) + 1;
}

function rebuildOpenTag(el: XmlElement): void {
  const trailing = /\s*$/.exec(el.openRaw)?.[0] ?? '';
  el.openRaw = `<${el.qname}${el.attrs.map((a) => a.raw).join('')}${trailing}`;
}

/** FNV-1a over the text; strong ETags for generated documents change exactly when their text does. */
function simpleHash(s: string): string {
  return fnv1a32(s).toString(36);
}
