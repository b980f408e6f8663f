import { isSealed, openStored, type KeySealer } from './key-sealer.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

/**
 * A secret of this deployment kept in the `secrets` table (sealed at rest when a key-encryption key
 * is configured), made by `create` the first time, so every instance and every restart share it.
 * Call under the database's exclusive lock, so two instances never both create one. An object or
 * array (a bare string would read back as unsealed text).
 */
export async function readOrCreateSecret<T extends object>(prisma: PrismaClient, name: string, create: () => T, sealer?: KeySealer): Promise<T> {
  const toStored = (value: T) => (sealer ? JSON.stringify(sealer.seal(JSON.stringify(value))) : JSON.stringify(value));
  const existing = await prisma.secret.findUnique({ where: { name } });
  if (existing) {
    const parsed = JSON.parse(existing.value) as unknown;
    const value = JSON.parse(openStored(parsed, sealer)) as T;
    if (sealer && !isSealed(parsed)) await prisma.secret.update({ where: { name }, data: { value: toStored(value) } });
    return value;
  }
  const value = create();
  await prisma.secret.create({ data: { name, value: toStored(value) } });
  return value;
}
