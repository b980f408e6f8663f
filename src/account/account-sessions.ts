import { randomBytes } from 'node:crypto';
import type { ArtifactStore } from '../adapters/artifact-store.ts';

/** What the store keeps of an account-page session (under a digest of its id, like every artifact). */
export interface StoredAccountSession {
  readonly accountId: string;
  readonly authTime: number;
  readonly amr: readonly string[];
  readonly csrf: string;
  /** The provider session (browser sign-in) it came from: signing that out ends this one too. */
  readonly sessionUid: string | undefined;
}

/** Sessions of the account page, in the artifact store so every instance sees them; indexed by account, so ending an account's sessions ends these. */
export class AccountSessions {
  readonly #adapter;
  readonly #ttlSeconds: number;

  constructor(store: Pick<ArtifactStore, 'adapterFor'>, ttlSeconds: number) {
    this.#adapter = store.adapterFor('AccountSession');
    this.#ttlSeconds = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  async open(session: Omit<StoredAccountSession, 'csrf'>): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const stored: StoredAccountSession = { ...session, csrf: randomBytes(24).toString('base64url') };
    await this.#adapter.upsert(id, { ...stored, amr: [...stored.amr] }, this.#ttlSeconds);
    return id;
  }

  async find(id: string): Promise<StoredAccountSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const payload = await this.#adapter.find(id);
    if (!payload || typeof payload.accountId !== 'string' || typeof payload.csrf !== 'string' || typeof payload.authTime !== 'number') return undefined;
    return {
      accountId: payload.accountId,
      authTime: payload.authTime,
      amr: Array.isArray(payload.amr) ? payload.amr.filter((value): value is string => typeof value === 'string') : [],
      csrf: payload.csrf,
      sessionUid: typeof payload.sessionUid === 'string' ? payload.sessionUid : undefined,
    };
  }

  async close(id: string): Promise<void> {
    await this.#adapter.destroy(id);
  }
}
