import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

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
