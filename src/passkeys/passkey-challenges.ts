import { AlreadyConsumedError, type ArtifactAdapter } from '../adapters/models.ts';

/** What a challenge was issued for: adding a passkey to an account, or one sign-in (interaction). */
export type ChallengePurpose = { readonly kind: 'registration'; readonly accountId: string } | { readonly kind: 'sign-in'; readonly interactionUid: string };

/** Long enough for the browser's own 2-minute ceremony timeout and a slow network. */
export const CHALLENGE_TTL_SECONDS = 180;

// What generateChallenge makes (32 random bytes, base64url); anything else is refused unread.
const CHALLENGE_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * WebAuthn challenges, kept in the artifact store (Redis, or in-process when embedded) so that any
 * instance can finish a ceremony another began. Each is keyed by the challenge itself (the store
 * keeps only a digest of the key) and is taken at most once. The payload carries no `accountId`
 * field on purpose: the store would otherwise list it among the account's sessions and grants.
 */
export class PasskeyChallenges {
  readonly #store: ArtifactAdapter;

  constructor(store: ArtifactAdapter) {
    this.#store = store;
  }

  async issue(challenge: string, purpose: ChallengePurpose): Promise<void> {
    const payload = purpose.kind === 'registration' ? { kind: purpose.kind, account: purpose.accountId } : { kind: purpose.kind, interaction: purpose.interactionUid };
    await this.#store.upsert(challenge, payload, CHALLENGE_TTL_SECONDS);
  }

  /** True when `challenge` was issued for exactly `purpose`, unexpired and unused; it is used up either way. */
  async take(challenge: string, purpose: ChallengePurpose): Promise<boolean> {
    if (!CHALLENGE_SHAPE.test(challenge)) return false;
    const stored = await this.#store.find(challenge);
    if (!stored || stored.consumed) return false;
    try {
      await this.#store.consume(challenge);
    } catch (error) {
      if (error instanceof AlreadyConsumedError) return false;
      throw error;
    }
    if (stored.kind !== purpose.kind) return false;
    return purpose.kind === 'registration' ? stored.account === purpose.accountId : stored.interaction === purpose.interactionUid;
  }
}
