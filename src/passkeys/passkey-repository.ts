import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** A passkey as the account page shows it: nothing about the key itself. */
export interface PasskeySummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

/** What verifying an assertion needs. */
export interface StoredPasskey extends PasskeySummary {
  readonly accountId: string;
  readonly credentialId: string;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
  readonly transports: string[];
  readonly backedUp: boolean;
}

export interface NewPasskey {
  readonly accountId: string;
  readonly credentialId: string;
  readonly publicKey: Uint8Array;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly deviceType: string;
  readonly backedUp: boolean;
  readonly name: string;
}

const SUMMARY = { id: true, name: true, createdAt: true, lastUsedAt: true } as const;

/** The `passkeys` table; every lookup by passkey id is scoped to its account. */
export class PasskeyRepository {
  readonly #prisma: PrismaClient;

  constructor(prisma: PrismaClient) {
    this.#prisma = prisma;
  }

  list(accountId: string): Promise<PasskeySummary[]> {
    return this.#prisma.passkey.findMany({ where: { accountId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: SUMMARY });
  }

  count(accountId: string): Promise<number> {
    return this.#prisma.passkey.count({ where: { accountId } });
  }

  async credentialsOf(accountId: string): Promise<Array<{ credentialId: string; transports: string[] }>> {
    return this.#prisma.passkey.findMany({ where: { accountId }, select: { credentialId: true, transports: true } });
  }

  async findByCredentialId(credentialId: string): Promise<StoredPasskey | undefined> {
    const row = await this.#prisma.passkey.findUnique({ where: { credentialId } });
    if (!row) return undefined;
    return {
      id: row.id,
      accountId: row.accountId,
      credentialId: row.credentialId,
      publicKey: new Uint8Array(row.publicKey),
      counter: Number(row.counter),
      transports: row.transports,
      backedUp: row.backedUp,
      name: row.name,
      createdAt: row.createdAt,
      lastUsedAt: row.lastUsedAt,
    };
  }

  async create(passkey: NewPasskey): Promise<PasskeySummary> {
    return this.#prisma.passkey.create({
      data: { ...passkey, id: randomBytes(12).toString('base64url'), publicKey: new Uint8Array(passkey.publicKey), counter: BigInt(passkey.counter), transports: [...passkey.transports] },
      select: SUMMARY,
    });
  }

  /**
   * Records a sign-in. The counter only moves forward, in one conditional UPDATE, so that of two
   * assertions carrying the same counter (a cloned authenticator) only one is accepted; a key
   * that keeps no counter (always 0) is not checked.
   */
  async recordUse(id: string, counter: number, backedUp: boolean, at = new Date()): Promise<boolean> {
    const where = counter > 0 ? { id, counter: { lt: BigInt(counter) } } : { id, counter: 0 };
    const { count } = await this.#prisma.passkey.updateMany({ where, data: { counter: BigInt(counter), backedUp, lastUsedAt: at } });
    return count === 1;
  }

  async rename(accountId: string, id: string, name: string): Promise<PasskeySummary | undefined> {
    const { count } = await this.#prisma.passkey.updateMany({ where: { id, accountId }, data: { name } });
    return count === 1 ? ((await this.#prisma.passkey.findUnique({ where: { id }, select: SUMMARY })) ?? undefined) : undefined;
  }

  /** Removes every passkey of the account; returns how many. */
  async removeAll(accountId: string): Promise<number> {
    const { count } = await this.#prisma.passkey.deleteMany({ where: { accountId } });
    return count;
  }

  async remove(accountId: string, id: string): Promise<PasskeySummary | undefined> {
    const found = await this.#prisma.passkey.findFirst({ where: { id, accountId }, select: SUMMARY });
    if (!found) return undefined;
    const { count } = await this.#prisma.passkey.deleteMany({ where: { id, accountId } });
    return count === 1 ? found : undefined;
  }
}
