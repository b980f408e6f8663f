import { randomBytes } from 'node:crypto';
import { isSealed, openStored, type KeySealer } from '../crypto/key-sealer.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

const SECRET_NAME = 'cookie_keys';

/**
 * Cookie signing keys: the configured ones, or (development only) a key generated once and stored
 * in the database so that every instance and every restart signs cookies alike; sealed at rest when
 * a key-encryption key is configured.
 */
export async function resolveCookieKeys(prisma: PrismaClient, configured: readonly string[] | undefined, sealer?: KeySealer): Promise<string[]> {
  if (configured && configured.length > 0) return [...configured];
  const existing = await prisma.secret.findUnique({ where: { name: SECRET_NAME } });
  const toStored = (keys: string[]) => (sealer ? JSON.stringify(sealer.seal(JSON.stringify(keys))) : JSON.stringify(keys));
  if (existing) {
    const parsed = JSON.parse(existing.value) as unknown;
    const keys = JSON.parse(openStored(parsed, sealer)) as string[];
    if (sealer && !isSealed(parsed)) await prisma.secret.update({ where: { name: SECRET_NAME }, data: { value: toStored(keys) } });
    return keys;
  }
  const keys = [randomBytes(32).toString('base64url')];
  await prisma.secret.create({ data: { name: SECRET_NAME, value: toStored(keys) } });
  return keys;
}
