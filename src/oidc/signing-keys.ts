import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** Algorithms Portcullis signs with; the first is the default for ID tokens and JWT access tokens. */
export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export type PrivateJwk = JWK & { kid: string; alg: SigningAlgorithm; use: 'sig' };

export async function generateSigningKey(alg: SigningAlgorithm): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg, use: 'sig' };
}

/**
 * Returns the stored signing keys, generating one per algorithm the first time. Callers run this
 * under the database's exclusive lock so that instances starting together agree on one key set.
 */
export async function loadOrCreateSigningKeys(prisma: PrismaClient): Promise<PrivateJwk[]> {
  const stored = await prisma.signingKey.findMany({ orderBy: { createdAt: 'desc' } });
  const keys = stored.map((row) => row.privateJwk as unknown as PrivateJwk);
  for (const alg of SIGNING_ALGORITHMS) {
    if (keys.some((key) => key.alg === alg)) continue;
    const key = await generateSigningKey(alg);
    await prisma.signingKey.create({ data: { kid: key.kid, alg, privateJwk: key } });
    keys.push(key);
  }
  // Newest first within each algorithm, default algorithm first overall.
  return SIGNING_ALGORITHMS.flatMap((alg) => keys.filter((key) => key.alg === alg));
}
