import { randomUUID } from 'node:crypto';
import type { ChangeFeed } from '../cache/change-feed.ts';
import type { LookupCache } from '../cache/lookup-cache.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly emailVerified: boolean;
  readonly disabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface AccountWithHash extends Account {
  readonly passwordHash: string;
}

export class DuplicateEmailError extends Error {
  override readonly name = 'DuplicateEmailError';
  constructor() {
    super('an account with this email already exists');
  }
}

export class AccountNotFoundError extends Error {
  override readonly name = 'AccountNotFoundError';
  constructor(reference: string) {
    super(`no account ${reference}`);
  }
}

/** Emails are unique regardless of case: stored trimmed and lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const PUBLIC_FIELDS = { id: true, email: true, name: true, emailVerified: true, disabled: true, createdAt: true, updatedAt: true } as const;

export class AccountRepository {
  readonly #prisma: PrismaClient;
  readonly #cache: LookupCache<Account> | undefined;
  readonly #changes: ChangeFeed | undefined;

  constructor(prisma: PrismaClient, options: { cache?: LookupCache<Account>; changes?: ChangeFeed } = {}) {
    this.#prisma = prisma;
    this.#cache = options.cache;
    this.#changes = options.changes;
  }

  async create(input: { email: string; passwordHash: string; name?: string | undefined; emailVerified?: boolean | undefined }): Promise<Account> {
    try {
      return await this.#prisma.account.create({
        data: {
          id: randomUUID(),
          email: normalizeEmail(input.email),
          passwordHash: input.passwordHash,
          name: input.name ?? null,
          emailVerified: input.emailVerified ?? false,
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
    const load = async (key: string) => (await this.#prisma.account.findUnique({ where: { id: key }, select: PUBLIC_FIELDS })) ?? undefined;
    return (await (this.#cache ? this.#cache.get(id, load) : load(id))) ?? null;
  }

  findByEmailWithHash(email: string): Promise<AccountWithHash | null> {
    return this.#prisma.account.findUnique({ where: { email: normalizeEmail(email) } });
  }

  /** Finds by id, or by email when the reference contains "@". */
  async resolve(reference: string): Promise<Account> {
    const account = reference.includes('@')
      ? await this.#prisma.account.findUnique({ where: { email: normalizeEmail(reference) }, select: PUBLIC_FIELDS })
      : await this.findById(reference);
    if (!account) throw new AccountNotFoundError(reference);
    return account;
  }

  list(): Promise<Account[]> {
    return this.#prisma.account.findMany({ orderBy: { createdAt: 'asc' }, select: PUBLIC_FIELDS });
  }

  async setDisabled(id: string, disabled: boolean): Promise<Account> {
    const account = await this.#prisma.account.update({ where: { id }, data: { disabled }, select: PUBLIC_FIELDS });
    await this.#changes?.publish({ kind: 'account', id });
    return account;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.#prisma.account.update({ where: { id }, data: { passwordHash } });
  }
}
