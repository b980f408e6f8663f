import type { Account } from '../../accounts/account-repository.ts';

/** An account as the CLI prints it (`--json`, and `user show`): never a password hash. */
export const userJson = (account: Account) => ({
  id: account.id,
  email: account.email,
  name: account.name,
  email_verified: account.emailVerified,
  disabled: account.disabled,
  created_at: account.createdAt.toISOString(),
  updated_at: account.updatedAt.toISOString(),
});

/** What commands that end something of an account print with --json. */
export const briefUserJson = (account: Account) => ({ id: account.id, email: account.email });
