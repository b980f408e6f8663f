import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';

const SECRET_NAME = 'cookie_keys';

/**
 * Cookie signing keys: the configured ones, or (development only) a key generated once and stored
 * in the database so that every instance and every restart signs cookies alike.
 */
export async function resolveCookieKeys(prisma: PrismaClient, configured: readonly string[] | undefined): Promise<string[]> {
  if (configured && configured.length > 0) return [...configured];
  const existing = await prisma.secret.findUnique({ where: { name: SECRET_NAME } });
  if (existing) return JSON.parse(existing.value) as string[];
  const keys = [randomBytes(32).toString('base64url')];
  await prisma.secret.create({ data: { name: SECRET_NAME, value: JSON.stringify(keys) } });
  return keys;
}
