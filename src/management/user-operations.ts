import type { Account } from '../accounts/account-repository.ts';
import type { AccountChanges, AccountService } from '../accounts/account-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Page, PageRequest } from '../db/keyset.ts';
import type { OperationContext } from './operation-context.ts';

export interface NewUser {
  readonly email: string;
  readonly password: string;
  readonly name?: string | undefined;
  readonly emailVerified?: boolean | undefined;
}

/** What an admin can take away when a person has lost their authenticator: every second factor of the account. */
export interface SecondFactorStores {
  /** Removes the TOTP credential and its recovery codes; false when there was none. */
  removeTotp(accountId: string): Promise<boolean>;
  /** Removes every passkey; returns how many. */
  removePasskeys(accountId: string): Promise<number>;
}

/** Account administration shared by the CLI and the admin API; every change is audited. */
export function userOperations(accounts: AccountService, audit: AuditLog, secondFactors: SecondFactorStores) {
  const audited = async (context: OperationContext, action: string, account: Account, detail?: Record<string, unknown>) => {
    await audit.record({ ...context, action, target: account.id, detail });
    return account;
  };
  return {
    async create(context: OperationContext, input: NewUser): Promise<Account> {
      return audited(context, 'user.created', await accounts.register(input));
    },
    async update(context: OperationContext, reference: string, changes: AccountChanges): Promise<Account> {
      const before = await accounts.resolve(reference);
      const account = await accounts.update(reference, changes);
      const fields = Object.keys(changes).map((field) => (field === 'emailVerified' ? 'email_verified' : field));
      await audited(context, 'user.updated', account, { fields });
      if (changes.password !== undefined) await audited(context, 'user.password_changed', account);
      if (changes.disabled !== undefined && changes.disabled !== before.disabled) await audited(context, changes.disabled ? 'user.disabled' : 'user.enabled', account);
      return account;
    },
    async setPassword(context: OperationContext, reference: string, password: string): Promise<Account> {
      return audited(context, 'user.password_changed', await accounts.setPassword(reference, password));
    },
    async setDisabled(context: OperationContext, reference: string, disabled: boolean): Promise<Account> {
      return audited(context, disabled ? 'user.disabled' : 'user.enabled', await accounts.setDisabled(reference, disabled));
    },
    async signOut(context: OperationContext, reference: string): Promise<Account> {
      return audited(context, 'user.signed_out', await accounts.signOutEverywhere(reference));
    },
    async revokeGrants(context: OperationContext, reference: string): Promise<Account> {
      return audited(context, 'user.grants_revoked', await accounts.revokeGrants(reference));
    },
    /**
     * For a person who lost their authenticator and recovery codes: TOTP and passkeys go, and the
     * account is signed out everywhere (whoever holds the lost device keeps nothing); the password stays.
     */
    async resetSecondFactors(context: OperationContext, reference: string): Promise<Account & { totpRemoved: boolean; passkeysRemoved: number }> {
      const account = await accounts.resolve(reference);
      const totpRemoved = await secondFactors.removeTotp(account.id);
      const passkeysRemoved = await secondFactors.removePasskeys(account.id);
      await accounts.signOutEverywhere(account.id);
      await audited(context, 'user.second_factors_reset', account, { totp_removed: totpRemoved, passkeys_removed: passkeysRemoved });
      return { ...account, totpRemoved, passkeysRemoved };
    },
    async delete(context: OperationContext, reference: string): Promise<Account> {
      return audited(context, 'user.deleted', await accounts.delete(reference));
    },
    show: (reference: string): Promise<Account> => accounts.resolve(reference),
    page: (request: PageRequest, filter: { email?: string | undefined } = {}): Promise<Page<Account>> => accounts.page(request, filter),
    count: (filter: { email?: string | undefined } = {}) => accounts.count(filter),
    list: () => accounts.list(),
  };
}

export type UserOperations = ReturnType<typeof userOperations>;
