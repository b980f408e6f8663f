import { z } from 'zod';
import { validate } from '../errors/validation.ts';
import type { AccountRepository } from './account-repository.ts';
import { type Account } from './account-repository.ts';
import type { Page, PageRequest } from '../db/keyset.ts';
import type { PasswordHasher } from './password-hasher.ts';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

export const newAccountSchema = z.object({
  email: z.email().max(320),
  password: z.string().min(MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`).max(MAX_PASSWORD_LENGTH),
  name: z.string().trim().min(1).max(200).optional(),
  emailVerified: z.boolean().optional(),
});

export const passwordSchema = newAccountSchema.shape.password;

/** Ends what an account was issued: its sessions, grants and the tokens of those grants. */
export interface SessionRevoker {
  revokeAccount(accountId: string): Promise<void>;
  revokeAccountGrants(accountId: string): Promise<void>;
}

/** What an admin may change on an account in one request; each field optional. */
export const accountChangesSchema = z
  .object({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    emailVerified: z.boolean().optional(),
    disabled: z.boolean().optional(),
    password: passwordSchema.optional(),
  })
  .strict();

export type AccountChanges = z.input<typeof accountChangesSchema>;

/** Account use cases shared by the login form and the CLI. */
export class AccountService {
  readonly #repository: AccountRepository;
  readonly #hasher: PasswordHasher;
  readonly #sessions: SessionRevoker | undefined;
  #dummyHash: Promise<string> | undefined;

  constructor(repository: AccountRepository, hasher: PasswordHasher, sessions?: SessionRevoker) {
    this.#repository = repository;
    this.#hasher = hasher;
    this.#sessions = sessions;
  }

  async register(input: z.input<typeof newAccountSchema>): Promise<Account> {
    const valid = validate(newAccountSchema, input);
    const passwordHash = await this.#hasher.hash(valid.password);
    return this.#repository.create({ email: valid.email, passwordHash, name: valid.name, emailVerified: valid.emailVerified });
  }

  /** By id (cached): what pages and tokens ask for. Null when there is no such account. */
  find(id: string): Promise<Account | null> {
    return this.#repository.findById(id);
  }

  /** By id, or by email when the reference contains "@"; throws AccountNotFoundError. */
  resolve(reference: string): Promise<Account> {
    return this.#repository.resolve(reference);
  }

  list(): Promise<Account[]> {
    return this.#repository.list();
  }

  page(request: PageRequest, filter: { email?: string | undefined } = {}): Promise<Page<Account>> {
    return this.#repository.page(request, filter);
  }

  count(filter: { email?: string | undefined } = {}): Promise<number> {
    return this.#repository.count(filter);
  }

  /**
   * Applies an admin's changes in one go: profile fields, then a password (which ends every session
   * and grant), then enabling or disabling (disabling ends them too).
   */
  async update(reference: string, input: AccountChanges): Promise<Account> {
    const changes = validate(accountChangesSchema, input);
    let account = await this.#repository.resolve(reference);
    if (changes.name !== undefined || changes.emailVerified !== undefined) {
      account = await this.#repository.updateProfile(account.id, { name: changes.name, emailVerified: changes.emailVerified });
    }
    if (changes.password !== undefined) await this.setPassword(account.id, changes.password);
    if (changes.disabled !== undefined && changes.disabled !== account.disabled) account = await this.setDisabled(account.id, changes.disabled);
    return changes.password !== undefined ? this.#repository.resolve(account.id) : account;
  }

  /** Revokes every grant of the account (refresh tokens and opaque access tokens die); sessions stay. */
  async revokeGrants(reference: string): Promise<Account> {
    const account = await this.#repository.resolve(reference);
    await this.#sessions?.revokeAccountGrants(account.id);
    return account;
  }

  /** A new password ends every session and grant of the account, on every instance. */
  async setPassword(reference: string, password: string): Promise<Account> {
    const account = await this.#repository.resolve(reference);
    const passwordHash = await this.#hasher.hash(validate(passwordSchema, password));
    await this.#repository.setPasswordHash(account.id, passwordHash, { endSessions: true });
    await this.#sessions?.revokeAccount(account.id);
    return account;
  }

  /** Disabling revokes rather than pauses: enabling again brings no session or token back. */
  async setDisabled(reference: string, disabled: boolean): Promise<Account> {
    const account = await this.#repository.resolve(reference);
    const updated = await this.#repository.setDisabled(account.id, disabled);
    if (disabled) await this.#sessions?.revokeAccount(account.id);
    return updated;
  }

  /** Signs the account out everywhere: every session, grant, refresh token and opaque access token ends. */
  async signOutEverywhere(reference: string): Promise<Account> {
    const account = await this.#repository.resolve(reference);
    await this.#repository.markSessionsRevoked(account.id);
    await this.#sessions?.revokeAccount(account.id);
    return account;
  }

  /** Deletes the account after revoking everything it was issued. */
  async delete(reference: string): Promise<Account> {
    const account = await this.#repository.resolve(reference);
    await this.#repository.markSessionsRevoked(account.id);
    await this.#sessions?.revokeAccount(account.id);
    await this.#repository.delete(account.id);
    return account;
  }

  /**
   * Returns the account when the email and password match an enabled account, otherwise null. The
   * same argon2 work is done whether or not the email exists, so timing does not reveal accounts.
   */
  async authenticate(email: string, password: string): Promise<Account | null> {
    if (password.length > MAX_PASSWORD_LENGTH || email.length > 320) return null;
    const account = await this.#repository.findByEmailWithHash(email);
    if (!account) {
      await this.#hasher.verify(await this.#dummy(), password);
      return null;
    }
    const valid = await this.#hasher.verify(account.passwordHash, password);
    if (!valid || account.disabled) return null;
    if (this.#hasher.needsRehash(account.passwordHash)) {
      await this.#repository.setPasswordHash(account.id, await this.#hasher.hash(password));
    }
    const { passwordHash: _omitted, ...publicAccount } = account;
    return publicAccount;
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.#hasher.hash('portcullis-timing-equalizer');
    return this.#dummyHash;
  }
}
