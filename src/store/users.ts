import type { DigestAlgorithm } from '../formats/digest.js';

/**
 * A subscriber of the service. The password itself is never kept: only the
 * digest HA1 = H(username:realm:password) for each algorithm we offer
 * (RFC 7616 §3.4.2, RFC 8760 for SIP), bound to the realm (the domain).
 */
export interface UserRecord {
  readonly name: string;
  readonly realm: string;
  readonly ha1: Readonly<Partial<Record<'MD5' | 'SHA-256', string>>>;
  readonly createdAt: number;
}

export class UserExistsError extends Error {
  constructor(name: string) {
    super(`user ${name} already exists`);
    this.name = 'UserExistsError';
  }
}

export class NoSuchUserError extends Error {
  constructor(name: string) {
    super(`no such user: ${name}`);
    this.name = 'NoSuchUserError';
  }
}

/** The user store (the HSS of this system). */
export interface Users {
  /** Adds a user; throws UserExistsError when the name is taken. */
  add(name: string, password: string): Promise<UserRecord>;
  /** Replaces the password; throws NoSuchUserError. */
  setPassword(name: string, password: string): Promise<void>;
  /** Removes a user; false when there was none. */
  remove(name: string): Promise<boolean>;
  get(name: string): Promise<UserRecord | undefined>;
  /** Whether the user exists: asked for every request to a local AoR, so answered from memory where possible. */
  exists(name: string): Promise<boolean>;
  list(): Promise<UserRecord[]>;
  /** HA1 for digest verification; the -sess variants use the base algorithm's HA1. */
  ha1(name: string, realm: string, algorithm: DigestAlgorithm): Promise<string | undefined>;
}

/** User names as they stand in the user part of an AoR: RFC 3261 unreserved characters only. */
export function isValidUserName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._~!$&'()*+,;=-]{0,63}$/.test(name);
}
