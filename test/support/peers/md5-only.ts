/**
 * Server environment that makes simpleim offer a single MD5 digest challenge:
 * the setting digestAlgorithms (--digest-algorithms, SIMPLEIM_DIGEST_ALGORITHMS)
 * asked for in issue 3. Until it exists the variable is ignored and the tests
 * that need it fail at their first REGISTER.
 *
 * Two widely used SIP stacks fail on a 401/407 carrying an MD5 and a SHA-256
 * challenge (RFC 8760 §2.4 lets a server send one per algorithm):
 * - JsSIP 3.13 keeps only the LAST WWW-Authenticate / Proxy-Authenticate
 *   (its parser calls setHeader for them) and gives up on SHA-256;
 * - libre (baresip 1.0.0) walks every challenge and aborts the whole
 *   authentication with ENOSYS at the first algorithm other than MD5
 *   ("Register: Function not implemented").
 * sipsak (reads the first) and liblinphone (picks one it supports) cope.
 */
export const MD5_ONLY_ENV: NodeJS.ProcessEnv = { SIMPLEIM_DIGEST_ALGORITHMS: 'MD5' };
