import type { AccountArtifact, ArtifactStore } from '../adapters/artifact-store.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import { describeScope } from '../interactions/scope-wording.ts';
import { pageText, type Wording } from '../pages/page-text.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import { isFirstPartyClient } from './account-client.ts';
import { isSessionBrowser } from './session-browsers.ts';

export interface ConnectedApp {
  readonly ref: string;
  readonly clientId: string;
  readonly name: string;
  readonly grantedAt: number | undefined;
  /** What the app may do, in words: OpenID scopes, then each API with its scopes. */
  readonly access: readonly Wording[];
}

export interface BrowserSession {
  readonly ref: string;
  readonly browser: Wording;
  readonly signedInAt: number | undefined;
  readonly current: boolean;
}

export interface OverviewSources {
  readonly store: Pick<ArtifactStore, 'listAccountArtifacts'>;
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly resources: Pick<ResourceRegistry, 'find'>;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const epoch = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const words = (scopes: unknown): string[] => (text(scopes)?.split(' ') ?? []).filter((scope) => scope !== 'openid' && scope !== 'offline_access');

async function appOf(sources: OverviewSources, grant: AccountArtifact): Promise<ConnectedApp | undefined> {
  const clientId = text(grant.payload.clientId);
  if (!clientId || isFirstPartyClient(clientId)) return undefined;
  const client = await sources.clients.find(clientId);
  const openid = grant.payload.openid as { scope?: unknown } | undefined;
  const access: Wording[] = words(openid?.scope).map(describeScope);
  if (text(openid?.scope)?.split(' ').includes('offline_access')) access.push(pageText('account.overview.app_offline_access'));
  for (const [indicator, scopes] of Object.entries((grant.payload.resources as Record<string, unknown> | undefined) ?? {})) {
    const resource = await sources.resources.find(indicator);
    const api = resource?.name ?? (URL.canParse(indicator) ? new URL(indicator).host : indicator);
    for (const scope of text(scopes)?.split(' ') ?? []) access.push(pageText('account.overview.app_api_access', { api, access: resource?.scopeDescriptions[scope] ?? scope }));
  }
  return { ref: grant.ref, clientId, name: text(client?.metadata.client_name) ?? clientId, grantedAt: epoch(grant.payload.iat), access };
}

/** The connected apps and browser sessions of an account, newest first, from what the store holds for it. */
export async function accountOverview(sources: OverviewSources, accountId: string, currentSessionUid: string | undefined) {
  const artifacts = await sources.store.listAccountArtifacts(accountId);
  const apps = (await Promise.all(artifacts.filter(({ model }) => model === 'Grant').map((grant) => appOf(sources, grant)))).filter((app): app is ConnectedApp => app !== undefined);
  const browsers = new Map(artifacts.filter(({ model }) => isSessionBrowser(model)).map(({ payload }) => [text(payload.sessionUid), text(payload.browser)]));
  const sessions: BrowserSession[] = artifacts
    .filter(({ model, payload }) => model === 'Session' && text(payload.accountId) === accountId)
    .map(({ ref, payload }) => ({
      ref,
      browser: browsers.get(text(payload.uid)) ?? pageText('account.overview.unknown_browser'),
      signedInAt: epoch(payload.loginTs),
      current: text(payload.uid) !== undefined && text(payload.uid) === currentSessionUid,
    }));
  const newestFirst = <T extends { grantedAt?: number | undefined; signedInAt?: number | undefined }>(a: T, b: T) => (b.grantedAt ?? b.signedInAt ?? 0) - (a.grantedAt ?? a.signedInAt ?? 0);
  return { apps: apps.sort(newestFirst), sessions: sessions.sort((a, b) => Number(b.current) - Number(a.current) || newestFirst(a, b)), artifacts };
}

/** The note of which browser a session is, to remove with the session. */
export const browserRefsOf = (artifacts: readonly AccountArtifact[], sessionUids: ReadonlySet<string>): string[] =>
  artifacts.filter(({ model, payload }) => isSessionBrowser(model) && sessionUids.has(String(payload.sessionUid))).map(({ ref }) => ref);
