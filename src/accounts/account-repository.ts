import { randomUUID } from 'node:crypto';
import type { ChangeFeed } from '../cache/change-feed.ts';
import type { LookupCache } from '../cache/lookup-cache.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { isSafeIdentifier } from '../http/safe-text.ts';
import { AppError } from '../errors/app-error.ts';
import { afterPosition, toPage, type Page, type PageRequest } from '../db/keyset.ts';

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly emailVerified: boolean;
  readonly disabled: boolean;
  /** Sessions and tokens issued before this instant are dead; null when never ended. */
  readonly sessionsRevokedAt: Date | null;
  /** When the person signed up on their own; null for accounts an admin made. */
  readonly signedUpAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface AccountWithHash extends Account {
  readonly passwordHash: string;
}

export class DuplicateEmailError extends AppError {
  override name = 'DuplicateEmailError';
  constructor() {
    super('conflict', 'an account with this email already exists');
  }
}

export class AccountNotFoundError extends AppError {
  override name = 'AccountNotFoundError';
  constructor(reference: string) {
    super('not_found', `no account ${reference}`);
  }
}

/**
 * Whether something issued at `issuedAt` (epoch seconds: a token's `iat`, a session's sign-in)
 * predates the account's sessions being ended. Seconds are compared, so what is issued in the same
 * second as the revocation counts as after it (a fresh sign-in right after a password change works).
 */
export function issuedBeforeSessionsEnded(account: Pick<Account, 'sessionsRevokedAt'>, issuedAt: number): boolean {
  return account.sessionsRevokedAt !== null && issuedAt < Math.floor(account.sessionsRevokedAt.getTime() / 1000);
}

/** Emails are unique regardless of case: stored trimmed and lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const PUBLIC_FIELDS = { id: true, email: true, name: true, emailVerified: true, disabled: true, sessionsRevokedAt: true, signedUpAt: true, createdAt: true, updatedAt: true } as const;

export class AccountRepository {
  readonly #prisma: PrismaClient;
  readonly #cache: LookupCache<Account> | undefined;
  readonly #changes: ChangeFeed | undefined;

  constructor(prisma: PrismaClient, options: { cache?: LookupCache<Account>; changes?: ChangeFeed } = {}) {
    this.#prisma = prisma;
    this.#cache = options.cache;
    this.#changes = options.changes;
  }

  async create(input: { email: string; passwordHash: string; name?: string | undefined; emailVerified?: boolean | undefined; signedUp?: boolean }): Promise<Account> {
    try {
      return await this.#prisma.account.create({
        data: {
          id: randomUUID(),
          email: normalizeEmail(input.email),
          passwordHash: input.passwordHash,
          name: input.name ?? null,
          emailVerified: input.emailVerified ?? false,
          signedUpAt: input.signedUp ? new Date() : null,
        },
        select: PUBLIC_FIELDS,
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw new DuplicateEmailError();
      throw error;
    }
  }

  /** By id, as userinfo and token requests ask: cached, and dropped everywhere when the account changes. */
  async findById(id: string): Promise<Account | null> {
    if (!isSafeIdentifier(id, 128)) return null;
    const load = async (key: string) => (await this.#prisma.account.findUnique({ where: { id: key }, select: PUBLIC_FIELDS })) ?? undefined;
    return (await (this.#cache ? this.#cache.get(id, load) : load(id))) ?? null;
  }

  async findByEmailWithHash(email: string): Promise<AccountWithHash | null> {
    if (!isSafeIdentifier(email, 320)) return null;
    return this.#prisma.account.findUnique({ where: { email: normalizeEmail(email) } });
  }

  /** Finds by id, or by email when the reference contains "@". */
  async resolve(reference: string): Promise<Account> {
    const account = !isSafeIdentifier(reference, 320)
      ? null
      : reference.includes('@')
        ? await this.#prisma.account.findUnique({ where: { email: normalizeEmail(reference) }, select: PUBLIC_FIELDS })
        : await this.findById(reference);
    if (!account) throw new AccountNotFoundError(reference);
    return account;
  }

  list(): Promise<Account[]> {
    return this.#prisma.account.findMany({ orderBy: { createdAt: 'asc' }, select: PUBLIC_FIELDS });
  }

  /** A page in creation order; `email` filters on the exact (normalized) address. */
  async page(request: PageRequest, filter: { email?: string | undefined } = {}): Promise<Page<Account>> {
    const where = { ...(filter.email ? { email: normalizeEmail(filter.email) } : {}), ...afterPosition('id', request.after) };
    const rows = await this.#prisma.account.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: request.limit + 1, select: PUBLIC_FIELDS });
    return toPage(rows, request.limit, (row) => ({ createdAt: row.createdAt, key: row.id }));
  }

  count(filter: { email?: string | undefined } = {}): Promise<number> {
    return this.#prisma.account.count({ where: filter.email ? { email: normalizeEmail(filter.email) } : {} });
  }

  /** Changes the profile fields an admin may set. */
  async updateProfile(id: string, changes: { name?: string | null | undefined; emailVerified?: boolean | undefined }): Promise<Account> {
    const data = { ...(changes.name !== undefined ? { name: changes.name } : {}), ...(changes.emailVerified !== undefined ? { emailVerified: changes.emailVerified } : {}) };
    const account = await this.#prisma.account.update({ where: { id }, data, select: PUBLIC_FIELDS });
    await this.#changed(id);
    return account;
  }

  /** A confirmed new address; DuplicateEmailError when another account has taken it meanwhile. */
  async changeEmail(id: string, email: string): Promise<Account> {
    try {
      const account = await this.#prisma.account.update({ where: { id }, data: { email: normalizeEmail(email), emailVerified: true }, select: PUBLIC_FIELDS });
      await this.#changed(id);
      return account;
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw new DuplicateEmailError();
      throw error;
    }
  }

  async markEmailVerified(id: string): Promise<Account> {
    const account = await this.#prisma.account.update({ where: { id }, data: { emailVerified: true }, select: PUBLIC_FIELDS });
    await this.#changed(id);
    return account;
  }

  /** Disabling also ends every session and token issued so far, so enabling again revives nothing. */
  async setDisabled(id: string, disabled: boolean): Promise<Account> {
    const data = disabled ? { disabled, sessionsRevokedAt: new Date() } : { disabled };
    const account = await this.#prisma.account.update({ where: { id }, data, select: PUBLIC_FIELDS });
    await this.#changed(id);
    return account;
  }

  /** A new password; with `endSessions`, everything issued before it is dead. */
  async setPasswordHash(id: string, passwordHash: string, { endSessions = false } = {}): Promise<void> {
    await this.#prisma.account.update({ where: { id }, data: endSessions ? { passwordHash, sessionsRevokedAt: new Date() } : { passwordHash } });
    if (endSessions) await this.#changed(id);
  }

  /** Marks every session and token issued until now as dead (stateless JWTs are judged by it). */
  async markSessionsRevoked(id: string): Promise<void> {
    await this.#prisma.account.update({ where: { id }, data: { sessionsRevokedAt: new Date() } });
    await this.#changed(id);
  }

  async delete(id: string): Promise<void> {
    const { count } = await this.#prisma.account.deleteMany({ where: { id } });
    if (count === 0) throw new AccountNotFoundError(id);
    await this.#changed(id);
  }

  async #changed(id: string): Promise<void> {
    this.#cache?.invalidate(id);
    await this.#changes?.publish({ kind: 'account', id });
  }
}
