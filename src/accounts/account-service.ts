import { z } from 'zod';
import { validate } from '../errors/validation.ts';
import type { AccountRepository } from './account-repository.ts';
import { DuplicateEmailError, type Account } from './account-repository.ts';
import type { Page, PageRequest } from '../db/keyset.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { MAX_PASSWORD_LENGTH, normalizePassword, PasswordPolicy } from './password-policy.ts';

// The length and content rules are the policy's (password-policy.ts), which names the rule broken.
export const newAccountSchema = z.object({
  email: z.email().max(320),
  password: z.string().max(MAX_PASSWORD_LENGTH * 4),
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
  readonly #policy: PasswordPolicy;
  #dummyHash: Promise<string> | undefined;

  constructor(repository: AccountRepository, hasher: PasswordHasher, sessions?: SessionRevoker, policy = new PasswordPolicy()) {
    this.#repository = repository;
    this.#hasher = hasher;
    this.#sessions = sessions;
    this.#policy = policy;
  }

  /** The rules a new password must meet (for pages that describe them). */
  get passwordPolicy(): PasswordPolicy {
    return this.#policy;
  }

  async register(input: z.input<typeof newAccountSchema>): Promise<Account> {
    const valid = validate(newAccountSchema, input);
    const passwordHash = await this.#hasher.hash(await this.#policy.accept(valid.password, { email: valid.email }));
    return this.#repository.create({ email: valid.email, passwordHash, name: valid.name, emailVerified: valid.emailVerified });
  }

  /**
   * A person signing up on their own. An address that already has an account is not an error the
   * person sees (that would tell anyone which addresses have accounts): `existing` names the
   * account, after the same password work a new sign-up does.
   */
  async signUp(input: { email: string; password: string; name?: string | undefined }): Promise<{ account: Account; existing: boolean }> {
    const valid = validate(newAccountSchema.omit({ emailVerified: true }), input);
    const password = await this.#policy.accept(valid.password, { email: valid.email });
    const passwordHash = await this.#hasher.hash(password);
    try {
      return { account: await this.#repository.create({ email: valid.email, passwordHash, name: valid.name, signedUp: true }), existing: false };
    } catch (error) {
      if (!(error instanceof DuplicateEmailError)) throw error;
      return { account: await this.#repository.resolve(valid.email), existing: true };
    }
  }

  /** Moves the account to an address its owner has just confirmed (the link reached that mailbox). */
  changeEmail(id: string, email: string): Promise<Account> {
    return this.#repository.changeEmail(id, validate(newAccountSchema.shape.email, email));
  }

  /** Whether `password` is the account's current one (the same work as a sign-in, by id). */
  async checkPassword(id: string, password: string): Promise<boolean> {
    const account = await this.#repository.findById(id);
    return account ? (await this.authenticate(account.email, password)) !== null : false;
  }

  markEmailVerified(id: string): Promise<Account> {
    return this.#repository.markEmailVerified(id);
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
    const passwordHash = await this.#hasher.hash(await this.#policy.accept(validate(passwordSchema, password), { email: account.email }));
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
    if (password.length > MAX_PASSWORD_LENGTH * 4 || email.length > 320) return null;
    const account = await this.#repository.findByEmailWithHash(email);
    const normalized = normalizePassword(password);
    if (!account) {
      // As many hashes as a known account would cost (one more for a password normalisation changes).
      await this.#hasher.verify(await this.#dummy(), normalized);
      if (normalized !== password) await this.#hasher.verify(await this.#dummy(), password);
      return null;
    }
    // Passwords set before normalisation was introduced were hashed as typed: accepted once more, then rehashed.
    const asStored = (await this.#hasher.verify(account.passwordHash, normalized)) ? 'normalized' : normalized !== password && (await this.#hasher.verify(account.passwordHash, password)) ? 'as-typed' : undefined;
    if (!asStored || account.disabled) return null;
    if (asStored === 'as-typed' || this.#hasher.needsRehash(account.passwordHash)) {
      await this.#repository.setPasswordHash(account.id, await this.#hasher.hash(normalized));
    }
    const { passwordHash: _omitted, ...publicAccount } = account;
    return publicAccount;
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.#hasher.hash('portcullis-timing-equalizer');
    return this.#dummyHash;
  }
}
