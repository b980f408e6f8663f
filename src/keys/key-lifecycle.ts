import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './key-material.ts';
import type { KeyState } from './key-states.ts';

const HOUR = 60 * 60;
const DAY = 24 * HOUR;

/** Automatic rotation: SIGNING_KEY_ROTATION_DAYS, in seconds; undefined: keys rotate only when asked. */
export interface RotationPolicy {
  readonly rotateAfterSeconds: number | undefined;
}

/**
 * How long a next key is published before it becomes current: a day (half the period for a
 * one-day rotation), never under an hour. JWKS caches hold a set for minutes (our jwks_uri says
 * max-age=300; jose's and our resource-server module's caches refresh every 10 minutes), so every
 * verifier has the key long before the first token it signs.
 */
export const nextKeyLeadSeconds = (rotateAfterSeconds: number): number => Math.max(HOUR, Math.min(DAY, rotateAfterSeconds / 2));

/** One change of the key set; `activate` promotes the given next key, or a new one when there is none. */
export type KeyStep =
  | { readonly kind: 'activate'; readonly alg: SigningAlgorithm; readonly kid: string | undefined }
  | { readonly kind: 'retire'; readonly kid: string }
  | { readonly kind: 'prepare'; readonly alg: SigningAlgorithm }
  | { readonly kind: 'drop'; readonly kid: string };

const find = (states: readonly KeyState[], alg: SigningAlgorithm, status: KeyState['status']) =>
  states.find((state) => state.alg === alg && state.status === status);

/** A rotation asked for: every algorithm gets a key that never signed (its next key if it has one). */
export function rotationSteps(states: readonly KeyState[]): KeyStep[] {
  return SIGNING_ALGORITHMS.flatMap((alg): KeyStep[] => {
    const current = find(states, alg, 'current');
    const activate: KeyStep = { kind: 'activate', alg, kid: find(states, alg, 'next')?.kid };
    return current ? [{ kind: 'retire', kid: current.kid }, activate] : [activate];
  });
}

/** Retired keys whose tokens have all expired. */
export const expiredSteps = (states: readonly KeyState[], now: number): KeyStep[] =>
  states
    .filter((state) => state.status === 'retired' && state.publishedUntil !== null && state.publishedUntil.getTime() <= now)
    .map((state) => ({ kind: 'drop', kid: state.kid }));

/**
 * What the key set needs at `now` without anyone asking: a current key for every algorithm,
 * expired retired keys dropped and, with automatic rotation, a next key published `lead` before
 * the current one reaches the rotation age, and promoted once both have happened (a next key
 * created late, say after a long downtime, is still published for the whole lead first).
 */
export function maintenanceSteps(states: readonly KeyState[], now: number, policy: RotationPolicy): KeyStep[] {
  const steps: KeyStep[] = [];
  for (const alg of SIGNING_ALGORITHMS) {
    const current = find(states, alg, 'current');
    const next = find(states, alg, 'next');
    if (!current) {
      steps.push({ kind: 'activate', alg, kid: next?.kid });
      continue;
    }
    if (policy.rotateAfterSeconds === undefined) continue;
    const leadMs = nextKeyLeadSeconds(policy.rotateAfterSeconds) * 1000;
    const dueAt = (current.activatedAt ?? current.createdAt).getTime() + policy.rotateAfterSeconds * 1000;
    if (!next && now >= dueAt - leadMs) steps.push({ kind: 'prepare', alg });
    if (next && now >= dueAt && now >= next.createdAt.getTime() + leadMs)
      steps.push({ kind: 'retire', kid: current.kid }, { kind: 'activate', alg, kid: next.kid });
  }
  return [...steps, ...expiredSteps(states, now)];
}
