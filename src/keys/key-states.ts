import { SIGNING_ALGORITHMS, type PrivateJwk, type SigningAlgorithm } from './key-material.ts';

/**
 * - `current`: signs new tokens (one per algorithm).
 * - `next`: published ahead of becoming current, so that JWKS caches hold it before it signs.
 * - `retired`: signed tokens that may still be live; published until `publishedUntil`, then deleted.
 */
export const KEY_STATUSES = ['current', 'next', 'retired'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** A signing key's lifecycle, without its key material. */
export interface KeyState {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: KeyStatus;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
  readonly retiredAt: Date | null;
  /** When a retired key leaves the JWKS; null for current and next keys. */
  readonly publishedUntil: Date | null;
}

export interface StoredKey extends KeyState {
  readonly jwk: PrivateJwk;
}

export const isPublished = (state: KeyState, now: number): boolean =>
  state.status !== 'retired' || (state.publishedUntil !== null && state.publishedUntil.getTime() > now);

const algorithmRank = (alg: string): number => {
  const index = SIGNING_ALGORITHMS.indexOf(alg as SigningAlgorithm);
  return index === -1 ? SIGNING_ALGORITHMS.length : index;
};

/**
 * Current keys first, in SIGNING_ALGORITHMS order, then next keys, then retired ones (newest first):
 * oidc-provider signs with the first key of an algorithm in its `jwks` (its keystore keeps the
 * configured order), and takes the first key's algorithm as our default.
 */
export function inPublishingOrder<T extends KeyState>(states: readonly T[]): T[] {
  const rank = (state: KeyState) => KEY_STATUSES.indexOf(state.status);
  const retiredAt = (state: KeyState) => state.retiredAt?.getTime() ?? 0;
  return [...states].sort(
    (a, b) => rank(a) - rank(b) || algorithmRank(a.alg) - algorithmRank(b.alg) || retiredAt(b) - retiredAt(a) || a.kid.localeCompare(b.kid),
  );
}

/** The keys to hand to the provider now, in the order it must have them. */
export const publishedAt = <T extends KeyState>(states: readonly T[], now: number): T[] =>
  inPublishingOrder(states.filter((state) => isPublished(state, now)));

/** Identifies a published key set (which keys, in which role): equal fingerprints, same JWKS and signer. */
export const fingerprintOf = (published: readonly KeyState[]): string => published.map((state) => `${state.status}:${state.kid}`).join(',');
