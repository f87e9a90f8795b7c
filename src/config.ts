import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** HOST:PORT with an IPv6 host in brackets ("[::1]:5060"). */
const hostPort = z.string().transform((s, ctx) => {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `expected HOST:PORT, got "${s}"` });
    return z.NEVER;
  }
  return { host: (m[1] ?? m[2])!, port };
});

export type HostPortSetting = { host: string; port: number };

/**
 * Every setting of `simpleim server`. Each has a flag, a SIMPLEIM_* variable
 * and a key in the --config JSON file; the first one given wins in that order.
 */
export const configSchema = z
  .object({
    data: z.string().min(1).default('./data'),
    domain: z
      .string()
      .regex(/^[A-Za-z0-9](?:[-A-Za-z0-9.]*[A-Za-z0-9])?$/, 'must be a host name')
      .default('localhost'),
    sip: hostPort.prefault('127.0.0.1:5060'),
    sips: hostPort.optional(),
    tlsCert: z.string().optional(),
    tlsKey: z.string().optional(),
    http: hostPort.prefault('127.0.0.1:8080'),
    msrp: hostPort.prefault('127.0.0.1:2855'),
    msrps: hostPort.optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Registrar: RFC 3261 §10.3 step 7 bounds. */
    minExpires: z.coerce.number().int().min(1).default(60),
    maxExpires: z.coerce.number().int().min(1).default(3600),
    defaultExpires: z.coerce.number().int().min(1).default(3600),
    /** Digest nonce lifetime in seconds (older nonces get stale=true). */
    nonceLifetime: z.coerce.number().int().min(1).default(300),
    /**
     * Digest algorithms offered, one challenge each, in this order (RFC 8760).
     * Default MD5 only: baresip and JsSIP fail when SHA-256 is also offered
     * (docs/decisions.md); "SHA-256,MD5" offers both.
     */
    digestAlgorithms: z
      .union([z.string(), z.array(z.string())])
      .transform((v, ctx) => {
        const list = (Array.isArray(v) ? v : v.split(',')).map((a) => a.trim()).filter((a) => a.length > 0);
        for (const a of list) {
          if (!['MD5', 'SHA-256', 'MD5-sess', 'SHA-256-sess'].includes(a)) {
            ctx.addIssue({ code: 'custom', message: `unknown digest algorithm "${a}"` });
            return z.NEVER;
          }
        }
        if (list.length === 0) {
          ctx.addIssue({ code: 'custom', message: 'needs at least one algorithm' });
          return z.NEVER;
        }
        return list as Array<'MD5' | 'SHA-256' | 'MD5-sess' | 'SHA-256-sess'>;
      })
      .prefault('MD5'),
    /** Other domains reachable by a static route: domain → next-hop SIP URI. */
    routes: z.record(z.string(), z.string()).default({}),
    /** IM server on (default); off runs the plain SIP/IP core (used by the bench to compare). */
    imServer: z.preprocess((v) => (v === 'false' || v === '0' ? false : v === 'true' || v === '1' ? true : v), z.boolean()).default(true),
    /** IM server: largest pager-mode MESSAGE body over any transport, bytes (413 above; docs/decisions.md). */
    pagerMaxBytes: z.coerce.number().int().min(1).default(65536),
    /** IM server: largest whole MESSAGE over UDP, bytes (513 above; RFC 3428 §9: 1300). */
    pagerMaxUdpBytes: z.coerce.number().int().min(1).default(1300),
    /** IM server: how long a deferred message waits for a device, days (fractions allowed). */
    deferredMaxAgeDays: z.coerce.number().positive().default(7),
    /** IM server: live deferred messages one user may hold. */
    deferredQuota: z.coerce.number().int().min(0).default(1000),
  })
  .superRefine((c, ctx) => {
    if ((c.sips || c.msrps) && (!c.tlsCert || !c.tlsKey)) {
      ctx.addIssue({ code: 'custom', path: ['tlsCert'], message: '--sips/--msrps need --tls-cert and --tls-key' });
    }
    if (c.minExpires > c.maxExpires) {
      ctx.addIssue({ code: 'custom', path: ['minExpires'], message: 'must not exceed maxExpires' });
    }
  });

export type Config = z.output<typeof configSchema>;
type RawConfig = Record<string, unknown>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const KEYS = [
  'data', 'domain', 'sip', 'sips', 'tlsCert', 'tlsKey', 'http', 'msrp', 'msrps', 'logLevel',
  'minExpires', 'maxExpires', 'defaultExpires', 'nonceLifetime', 'routes', 'digestAlgorithms',
  'imServer', 'pagerMaxBytes', 'pagerMaxUdpBytes', 'deferredMaxAgeDays', 'deferredQuota',
] as const;

/** camelCase key → SIMPLEIM_SNAKE_CASE variable name. */
export function envName(key: string): string {
  return 'SIMPLEIM_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** camelCase key → --kebab-case flag. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/**
 * Merges flags over environment over config file over defaults, and
 * validates. A bad setting throws ConfigError naming the flag.
 */
export function loadConfig(flags: RawConfig, env: NodeJS.ProcessEnv = process.env): Config {
  const merged: RawConfig = {};
  const configPath = (flags.config as string | undefined) ?? env.SIMPLEIM_CONFIG;
  if (configPath) {
    let file: unknown;
    try {
      file = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (e) {
      throw new ConfigError(`--config ${configPath}: ${(e as Error).message}`);
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) {
      throw new ConfigError(`--config ${configPath}: must hold a JSON object`);
    }
    for (const [k, v] of Object.entries(file)) {
      if (!(KEYS as readonly string[]).includes(k)) throw new ConfigError(`--config ${configPath}: unknown setting "${k}"`);
      merged[k] = v;
    }
  }
  for (const k of KEYS) {
    const v = env[envName(k)];
    if (v !== undefined && v !== '') merged[k] = k === 'routes' ? parseJsonSetting(envName(k), v) : v;
  }
  for (const k of KEYS) if (flags[k] !== undefined) merged[k] = flags[k];
  const r = configSchema.safeParse(merged);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    throw new ConfigError(`bad setting ${key ? flagName(key) : ''}: ${issue.message}`.replace('  ', ' '));
  }
  return r.data;
}

function parseJsonSetting(name: string, v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    throw new ConfigError(`${name}: not valid JSON`);
  }
}
