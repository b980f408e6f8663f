import type { FindAccount } from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.ts';

/** Claims per scope; `sub` is the account's opaque id, never its email. */
export const CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'updated_at'],
  email: ['email', 'email_verified'],
};

/** Disabled accounts are not found, so their sessions, refresh tokens and userinfo calls stop working. */
export function createFindAccount(accounts: AccountRepository): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account || account.disabled) return undefined;
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
