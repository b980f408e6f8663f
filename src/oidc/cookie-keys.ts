import { randomBytes } from 'node:crypto';
import type { KeySealer } from '../crypto/key-sealer.ts';
import { readOrCreateSecret } from '../crypto/stored-secret.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

/**
 * Cookie signing keys: the configured ones, or (development only) a key generated once and stored
 * in the database so that every instance and every restart signs cookies alike.
 */
export async function resolveCookieKeys(prisma: PrismaClient, configured: readonly string[] | undefined, sealer?: KeySealer): Promise<string[]> {
  if (configured && configured.length > 0) return [...configured];
  return readOrCreateSecret(prisma, 'cookie_keys', () => [randomBytes(32).toString('base64url')], sealer);
}
