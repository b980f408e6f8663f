import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import type { Logger } from '../observability/logger.ts';
import { browserName } from './browser-name.ts';

/** What the account page shows of a browser session: which browser signed in, and when. */
export interface SessionBrowser {
  readonly sessionUid: string;
  readonly browser: string;
  readonly signedInAt: number;
}

const MODEL = 'SessionBrowser';

/**
 * oidc-provider's Session keeps no User-Agent, so each sign-in (the session saved while the
 * authorization resumes after login) is noted beside it, in the artifact store under the account,
 * living as long as the session may.
 */
export function recordSessionBrowsers(provider: Provider, store: Pick<ArtifactStore, 'adapterFor'>, sessionTtlSeconds: number, logger: Logger): void {
  const adapter = store.adapterFor(MODEL);
  provider.on('session.saved', (session: { uid?: string; accountId?: string; loginTs?: number }) => {
    const ctx = (provider.constructor as { ctx?: KoaContextWithOIDC }).ctx;
    if (!ctx || ctx.oidc?.route !== 'resume' || !session.uid || !session.accountId) return;
    const payload = { accountId: session.accountId, sessionUid: session.uid, browser: browserName(ctx.get('user-agent')), signedInAt: session.loginTs ?? Math.floor(Date.now() / 1000) };
    adapter.upsert(session.uid, payload, sessionTtlSeconds).catch((error: unknown) => logger.warn({ err: error }, 'could not note the browser of a session'));
  });
}

export const isSessionBrowser = (model: string): boolean => model === MODEL;
