import { createHmac, randomBytes } from 'node:crypto';
import type { KeySealer } from '../crypto/key-sealer.ts';
import { readOrCreateSecret } from '../crypto/stored-secret.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** Made once per deployment and never changed: a new salt would give every pairwise client new subjects. */
export async function resolvePairwiseSalt(prisma: PrismaClient, sealer?: KeySealer): Promise<string> {
  const { salt } = await readOrCreateSecret(prisma, 'pairwise_salt', () => ({ salt: randomBytes(32).toString('base64url') }), sealer);
  return salt;
}

/**
 * OIDC Core 8.1: the `sub` a `subject_type: pairwise` client sees, the same for every client of one
 * sector (the host of its redirect URIs, or its `sector_identifier_uri`'s) and unlinkable across
 * sectors without the salt.
 */
export function pairwiseIdentifier(salt: string) {
  return async (_ctx: unknown, accountId: string, client: { sectorIdentifier?: string }): Promise<string> =>
    createHmac('sha256', salt).update(`${client.sectorIdentifier ?? ''}\u0000${accountId}`).digest('base64url');
}
