import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { isSealed, openStored, type KeySealer } from '../crypto/key-sealer.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/** Algorithms Portcullis signs with; the first is the default for ID tokens and JWT access tokens. */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type PrivateJwk = JWK & { kid: string; alg: SigningAlgorithm; use: 'sig' };

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

/** The public half of a signing key, as published at jwks_uri. */
export const publicJwkOf = (key: PrivateJwk): JWK =>
  Object.fromEntries(Object.entries(key).filter(([member]) => !PRIVATE_MEMBERS.has(member)));

export async function generateSigningKey(alg: SigningAlgorithm): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

const stored = (key: PrivateJwk, sealer: KeySealer | undefined): Prisma.InputJsonObject =>
  (sealer ? sealer.seal(JSON.stringify(key)) : key) as unknown as Prisma.InputJsonObject;

/**
 * Returns the stored signing keys, generating one per algorithm the first time. Callers run this
 * under the database's exclusive lock so that instances starting together agree on one key set.
 * With a key-encryption key the private keys are stored sealed; keys stored in the clear before one
 * was configured are sealed on the spot.
 */
export async function loadOrCreateSigningKeys(prisma: PrismaClient, sealer?: KeySealer): Promise<PrivateJwk[]> {
  const rows = await prisma.signingKey.findMany({ orderBy: { createdAt: 'desc' } });
  const keys: PrivateJwk[] = [];
  for (const row of rows) {
    const key = JSON.parse(openStored(row.privateJwk, sealer)) as PrivateJwk;
    if (sealer && !isSealed(row.privateJwk)) await prisma.signingKey.update({ where: { kid: row.kid }, data: { privateJwk: stored(key, sealer) } });
    keys.push(key);
  }
  for (const alg of SIGNING_ALGORITHMS) {
    if (keys.some((key) => key.alg === alg)) continue;
    const key = await generateSigningKey(alg);
    await prisma.signingKey.create({ data: { kid: key.kid, alg, privateJwk: stored(key, sealer) } });
    keys.push(key);
  }
  // Newest first within each algorithm, default algorithm first overall.
  return SIGNING_ALGORITHMS.flatMap((alg) => keys.filter((key) => key.alg === alg));
}
