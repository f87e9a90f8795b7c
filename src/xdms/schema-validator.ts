import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { XmlBufferInputProvider } from 'libxml2-wasm';

// libxml2 compiled to wasm costs ~160 MB of memory once loaded: it is loaded
// on the first write that needs validation, not when the server starts.
let lib: typeof import('libxml2-wasm') | null = null;

/** Loads libxml2 (once); call before loadSchema. */
export async function loadSchemaEngine(): Promise<void> {
  lib ??= await import('libxml2-wasm');
}

function libxml(): typeof import('libxml2-wasm') {
  if (lib === null) throw new Error('schema engine not loaded: await loadSchemaEngine() first');
  return lib;
}

/**
 * XML Schema validation of whole documents with libxml2 (compiled to wasm).
 * The schemas live in src/xdms/schemas and are served to libxml2 from
 * memory, so xs:import never reaches the network.
 */
export interface SchemaValidator {
  /** Returns null when valid, else libxml2's first error message. */
  validate(xml: string): string | null;
}

const SCHEMA_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));
const XML_XSD_URL = 'http://www.w3.org/2001/xml.xsd';

let provider: XmlBufferInputProvider | null = null;
const utf8 = new TextEncoder();
const cache = new Map<string, SchemaValidator>();

let schemaFiles: Record<string, Uint8Array> | null = null;

/** The schema folder, read once per process. */
function schemaBytes(): Record<string, Uint8Array> {
  return (schemaFiles ??= readSchemas());
}

function readSchemas(): Record<string, Uint8Array> {
  const enc = utf8;
  const out: Record<string, Uint8Array> = {};
  for (const f of readdirSync(SCHEMA_DIR)) {
    if (!f.endsWith('.xsd')) continue;
    let text = readFileSync(SCHEMA_DIR + f, 'utf8');
    if (f === 'rls-services.xsd') {
      // RFC 4826 §4.2's schema uses rl:listType without importing the
      // resource-lists namespace; XSD 1.0 needs the import to resolve it. The
      // file is kept as printed and the import added here.
      text = text.replace(
        /(<xs:schema[^>]*>)/,
        '$1<xs:import namespace="urn:ietf:params:xml:ns:resource-lists" schemaLocation="resource-lists.xsd"/>',
      );
    }
    out[f] = enc.encode(text);
  }
  out[XML_XSD_URL] = out['xml.xsd']!;
  return out;
}

function ensureProvider(): XmlBufferInputProvider {
  if (provider === null) {
    provider = new (libxml().XmlBufferInputProvider)(schemaBytes());
    libxml().xmlRegisterInputProvider(provider);
  }
  return provider;
}

/** A validator for the schema file `name` (with its imports), compiled once per process. */
export function loadSchema(name: string): SchemaValidator {
  const hit = cache.get(name);
  if (hit) return hit;
  const bytes = schemaBytes()[name];
  if (bytes === undefined) throw new Error(`no schema ${name} in ${SCHEMA_DIR}`);
  ensureProvider();
  const { XmlDocument, XsdValidator } = libxml();
  const xsdDoc = XmlDocument.fromBuffer(bytes, { url: name });
  const validator = XsdValidator.fromDoc(xsdDoc);
  const v: SchemaValidator = {
    validate(xml: string): string | null {
      let doc: InstanceType<typeof XmlDocument>;
      try {
        // TextEncoder rather than fromString: libxml2-wasm copies a string into
        // wasm memory with a per-character JS loop that crawls on strings built
        // by concatenation (ropes); the native encoder does not care.
        doc = XmlDocument.fromBuffer(utf8.encode(xml));
      } catch (e) {
        return e instanceof Error ? e.message.trim() : String(e);
      }
      try {
        validator.validate(doc);
        return null;
      } catch (e) {
        return e instanceof Error ? e.message.trim().split('\n')[0]! : String(e);
      } finally {
        doc.dispose();
      }
    },
  };
  cache.set(name, v);
  return v;
}
