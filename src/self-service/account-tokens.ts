import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';

export type AccountTokenPurpose = 'verify-email' | 'password-reset' | 'email-change';

/** What a mailed link stands for, once its token is taken. */
export interface TakenToken {
  readonly accountId: string;
  readonly interactionUid: string | null;
  /** For an email change: the address it confirms. */
  readonly newEmail: string | null;
  /** The link had been used before (a mail scanner, a second click): it does nothing again. */
  readonly alreadyUsed: boolean;
  readonly issuedAt: Date;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('base64url');

// 256 random bits in base64url: what a link carries. Anything else is refused before a lookup.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The single-use links mailed to an account's owner. Only a SHA-256 of each token is stored (a
 * database reader cannot use a link); taking one is a single conditional UPDATE, so two clicks
 * racing each other cannot both succeed.
 */
export class AccountTokens {
  readonly #prisma: PrismaClient;
  readonly #now: () => Date;

  constructor(prisma: PrismaClient, now: () => Date = () => new Date()) {
    this.#prisma = prisma;
    this.#now = now;
  }

  /** A new token; with `replacing`, earlier untaken tokens of the same purpose stop working. */
  async issue(accountId: string, purpose: AccountTokenPurpose, ttlSeconds: number, options: { interactionUid?: string | undefined; newEmail?: string | undefined; replacing?: boolean } = {}): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    await this.#prisma.$transaction([
      ...(options.replacing ? [this.#prisma.accountToken.updateMany({ where: { accountId, purpose, consumedAt: null, expiresAt: { gt: now } }, data: { expiresAt: now } })] : []),
      this.#prisma.accountToken.create({
        data: { tokenHash: hashOf(token), accountId, purpose, expiresAt: new Date(now.getTime() + ttlSeconds * 1000), interactionUid: options.interactionUid ?? null, newEmail: options.newEmail ?? null },
      }),
    ]);
    return token;
  }

  /** Takes a token once; undefined when it is unknown, expired or for another purpose. */
  async take(token: string, purpose: AccountTokenPurpose): Promise<TakenToken | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const tokenHash = hashOf(token);
    const now = this.#now();
    const { count } = await this.#prisma.accountToken.updateMany({ where: { tokenHash, purpose, consumedAt: null, expiresAt: { gt: now } }, data: { consumedAt: now } });
    const row = await this.#prisma.accountToken.findUnique({ where: { tokenHash }, select: { accountId: true, interactionUid: true, newEmail: true, purpose: true, expiresAt: true, createdAt: true } });
    if (!row || row.purpose !== purpose || row.expiresAt <= now) return undefined;
    return { accountId: row.accountId, interactionUid: row.interactionUid, newEmail: row.newEmail, alreadyUsed: count === 0, issuedAt: row.createdAt };
  }

  /** What an unexpired token of `purpose` stands for, and whether it was taken already; nothing is changed. */
  async peek(token: string, purpose: AccountTokenPurpose): Promise<TakenToken | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const row = await this.#prisma.accountToken.findUnique({ where: { tokenHash: hashOf(token) }, select: { accountId: true, interactionUid: true, newEmail: true, purpose: true, consumedAt: true, expiresAt: true, createdAt: true } });
    if (!row || row.purpose !== purpose || row.expiresAt <= this.#now()) return undefined;
    return { accountId: row.accountId, interactionUid: row.interactionUid, newEmail: row.newEmail, alreadyUsed: row.consumedAt !== null, issuedAt: row.createdAt };
  }

  /** Every untaken link of the account (of `purposes`, or all) stops working: they were mailed to an address it no longer has. */
  async expireAll(accountId: string, purposes?: readonly AccountTokenPurpose[]): Promise<void> {
    const now = this.#now();
    await this.#prisma.accountToken.updateMany({ where: { accountId, consumedAt: null, expiresAt: { gt: now }, ...(purposes ? { purpose: { in: [...purposes] } } : {}) }, data: { expiresAt: now } });
  }

  /** The account whose address a sign-in's verification link confirmed within `withinSeconds`. */
  async verifiedFor(interactionUid: string, withinSeconds: number): Promise<string | undefined> {
    const since = new Date(this.#now().getTime() - withinSeconds * 1000);
    const row = await this.#prisma.accountToken.findFirst({
      where: { interactionUid, purpose: 'verify-email', consumedAt: { gte: since } },
      orderBy: { consumedAt: 'desc' },
      select: { accountId: true },
    });
    return row?.accountId;
  }

  /** Drops tokens that expired more than a day ago (kept that long so a late click is told "already used"). */
  async prune(): Promise<number> {
    const { count } = await this.#prisma.accountToken.deleteMany({ where: { expiresAt: { lt: new Date(this.#now().getTime() - 24 * 3600 * 1000) } } });
    return count;
  }
}
