import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { issuedBeforeSessionsEnded, type AccountRepository } from '../accounts/account-repository.ts';

/** When what is being used was issued: the token's `iat`, or the browser session's sign-in time. */
const issuedAt = (ctx: KoaContextWithOIDC, token: { iat?: number } | undefined): number | undefined =>
  token?.iat ?? (ctx.oidc?.session as { loginTs?: number } | undefined)?.loginTs;

/**
 * Disabled accounts are not found, so their sessions, refresh tokens and userinfo calls stop
 * working; nor is an account for a token or session issued before its sessions were ended
 * (password change, sign-out everywhere), in case the store's revocation missed something.
 */
export function createFindAccount(accounts: Pick<AccountRepository, 'findById'>): FindAccount {
  return async (ctx, sub, token) => {
    const account = await accounts.findById(sub);
    if (!account || account.disabled) return undefined;
    const used = issuedAt(ctx, token);
    if (used !== undefined && issuedBeforeSessionsEnded(account, used)) return undefined;
    return {
      accountId: account.id,
      async claims() {
        return {
          sub: account.id,
          email: account.email,
          email_verified: account.emailVerified,
          ...(account.name ? { name: account.name } : {}),
          updated_at: Math.floor(account.updatedAt.getTime() / 1000),
        };
      },
    };
  };
}
