import { appPath } from '../http/issuer-path.ts';
import type { SessionLogout } from '../oidc/backchannel-logout.ts';
import type { Context } from 'koa';
import type { Account } from '../accounts/account-repository.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import { formOf } from '../interactions/forms.ts';
import type { LoginThrottle } from '../interactions/login-throttle.ts';
import type { InteractionPages } from '../interactions/pages.ts';
import type { ProviderHandle } from '../keys/provider-handle.ts';
import type { Logger } from '../observability/logger.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import type { SelfService } from '../self-service/self-service.ts';
import type { AccountSessions } from './account-sessions.ts';
import type { AccountSignIn } from './account-sign-in.ts';

/** What the account page's security section shows, from the second-factor features that are present. */
export interface SecuritySummary {
  readonly totp?: { readonly enrolled: boolean; readonly recoveryCodesLeft: number } | undefined;
  readonly passkeys?: ReadonlyArray<{ readonly id: string; readonly name: string; readonly createdAt: Date; readonly lastUsedAt: Date | null | undefined }> | undefined;
}

export interface AccountPageDependencies {
  readonly issuer: string;
  readonly provider: Pick<ProviderHandle, 'current'>;
  readonly accounts: AccountService;
  readonly store: Pick<ArtifactStore, 'listAccountArtifacts' | 'revokeAccountArtifact' | 'adapterFor'>;
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly resources: Pick<ResourceRegistry, 'find'>;
  readonly throttle: LoginThrottle;
  readonly selfService: SelfService;
  readonly sessions: AccountSessions;
  readonly signIn: AccountSignIn;
  readonly pages: InteractionPages;
  readonly audit: Pick<AuditLog, 'recordInBackground'>;
  readonly logger: Logger;
  readonly secureCookies: boolean;
  readonly security: (accountId: string) => Promise<SecuritySummary>;
  /** Logout tokens to the apps the browsers it signs out were signed in to. */
  readonly sessionLogout: SessionLogout;
}

/** A text field of the posted form, or '' when it is missing or not text. */
export function formField(ctx: Context, name: string): string {
  const value = formOf(ctx)[name];
  return typeof value === 'string' ? value : '';
}

/** The signed-in account itself, loaded with the session. */
export const accountOf = (ctx: Context): Account => (ctx.state as { account: Account }).account;

export function auditAccount(deps: Pick<AccountPageDependencies, 'audit'>, ctx: Context, action: string, detail?: Record<string, unknown>): void {
  const { id } = accountOf(ctx);
  deps.audit.recordInBackground({ actor: `user:${id}`, action, target: id, address: ctx.ip, ...(detail ? { detail } : {}) });
}

/** After a change: back to the page with a note of what was done (a fixed word, never echoed text). */
export function backToAccount(ctx: Context, done: string, anchor = ''): void {
  ctx.status = 303;
  ctx.set('cache-control', 'no-store');
  ctx.redirect(appPath(ctx, `/account?done=${done}${anchor}`));
}
