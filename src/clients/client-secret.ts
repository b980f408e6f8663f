import { createHash, randomBytes } from 'node:crypto';
import { sameSecret } from '../crypto/same-secret.ts';

export const MIN_CLIENT_SECRET_LENGTH = 32;

export const generateClientSecret = (): string => randomBytes(32).toString('base64url');

/**
 * SHA-256 (hex) of a client secret: the only form stored. Secrets are 256-bit random values (or at
 * least 32 characters an admin chose), so a fast hash is right; a slow KDF would put its cost on
 * every token request. The migration that converted plain secrets computes the same value in SQL.
 */
export const hashClientSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Compares a presented secret with a stored hash in constant time. */
export function clientSecretMatches(presented: unknown, storedHash: string): boolean {
  if (typeof presented !== 'string') return false;
  return sameSecret(Buffer.from(hashClientSecret(presented), 'hex'), Buffer.from(storedHash, 'hex'));
}
