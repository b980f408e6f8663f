import { isSealed, openStored, type KeySealer } from '../crypto/key-sealer.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';

/** An account's TOTP credential, its secret opened. */
export interface StoredTotp {
  readonly secret: string;
  /** Null while the enrolment waits for its first code. */
  readonly confirmedAt: Date | null;
  readonly lastTimeStep: number | null;
  readonly createdAt: Date;
  /** Stored unsealed (made before KEY_ENCRYPTION_KEY was configured, or without one). */
  readonly storedInClear: boolean;
}

/**
 * The `totp_credentials` and `recovery_codes` tables. Secrets are sealed with KEY_ENCRYPTION_KEY
 * when one is configured (always in production), in the clear otherwise (development), and sealed
 * on their next use once a key is configured. Every change that must happen once (accepting a time
 * step, using a recovery code, confirming) is one conditional UPDATE, so instances racing each
 * other cannot both succeed.
 */
export class TotpRepository {
  readonly #prisma: PrismaClient;
  readonly #sealer: KeySealer | undefined;

  constructor(prisma: PrismaClient, sealer: KeySealer | undefined) {
    this.#prisma = prisma;
    this.#sealer = sealer;
  }

  async find(accountId: string): Promise<StoredTotp | null> {
    const row = await this.#prisma.totpCredential.findUnique({ where: { accountId } });
    if (!row) return null;
    return {
      secret: openStored(row.secret, this.#sealer),
      confirmedAt: row.confirmedAt,
      lastTimeStep: row.lastTimeStep,
      createdAt: row.createdAt,
      storedInClear: !isSealed(row.secret),
    };
  }

  async isEnrolled(accountId: string): Promise<boolean> {
    return (await this.#prisma.totpCredential.count({ where: { accountId, confirmedAt: { not: null } } })) === 1;
  }

  /** Replaces a pending enrolment with a new secret; refused (false) when the account has a confirmed one. */
  async savePending(accountId: string, secret: string): Promise<boolean> {
    try {
      await this.#prisma.$transaction([
        this.#prisma.totpCredential.deleteMany({ where: { accountId, confirmedAt: null } }),
        this.#prisma.totpCredential.create({ data: { accountId, secret: this.#stored(secret) } }),
      ]);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return false;
      throw error;
    }
  }

  /**
   * Confirms the pending enrolment created at `pendingCreatedAt` with a code of `timeStep`, and
   * stores its first recovery codes; false when it was confirmed, replaced or removed meanwhile.
   */
  async confirm(accountId: string, pendingCreatedAt: Date, timeStep: number, recoveryCodeHashes: readonly string[]): Promise<boolean> {
    return this.#prisma.$transaction(async (tx) => {
      const { count } = await tx.totpCredential.updateMany({
        where: { accountId, confirmedAt: null, createdAt: pendingCreatedAt },
        data: { confirmedAt: new Date(), lastTimeStep: timeStep },
      });
      if (count !== 1) return false;
      await tx.recoveryCode.deleteMany({ where: { accountId } });
      await tx.recoveryCode.createMany({ data: recoveryCodeHashes.map((codeHash) => ({ accountId, codeHash })) });
      return true;
    });
  }

  /** Records `timeStep` as used, if it is later than the last one used: a code is accepted once. */
  async acceptTimeStep(accountId: string, timeStep: number): Promise<boolean> {
    const { count } = await this.#prisma.totpCredential.updateMany({
      where: { accountId, confirmedAt: { not: null }, OR: [{ lastTimeStep: null }, { lastTimeStep: { lt: timeStep } }] },
      data: { lastTimeStep: timeStep },
    });
    return count === 1;
  }

  /** Marks an unused recovery code used; false when there is none with that hash. */
  async useRecoveryCode(accountId: string, codeHash: string): Promise<boolean> {
    const { count } = await this.#prisma.recoveryCode.updateMany({
      where: { accountId, codeHash, usedAt: null },
      data: { usedAt: new Date() },
    });
    return count === 1;
  }

  recoveryCodesLeft(accountId: string): Promise<number> {
    return this.#prisma.recoveryCode.count({ where: { accountId, usedAt: null } });
  }

  /** New recovery codes instead of all earlier ones; false when TOTP is not on. */
  async replaceRecoveryCodes(accountId: string, recoveryCodeHashes: readonly string[]): Promise<boolean> {
    return this.#prisma.$transaction(async (tx) => {
      const enrolled = await tx.totpCredential.count({ where: { accountId, confirmedAt: { not: null } } });
      if (enrolled !== 1) return false;
      await tx.recoveryCode.deleteMany({ where: { accountId } });
      await tx.recoveryCode.createMany({ data: recoveryCodeHashes.map((codeHash) => ({ accountId, codeHash })) });
      return true;
    });
  }

  /** Removes the credential and its recovery codes; false when there was no confirmed credential. */
  async remove(accountId: string): Promise<boolean> {
    const [removed] = await this.#prisma.$transaction([
      this.#prisma.totpCredential.deleteMany({ where: { accountId, confirmedAt: { not: null } } }),
      this.#prisma.recoveryCode.deleteMany({ where: { accountId } }),
    ]);
    return removed.count === 1;
  }

  /** Seals a secret stored in the clear, once a key-encryption key is configured. */
  async seal(accountId: string, secret: string): Promise<void> {
    if (!this.#sealer) return;
    await this.#prisma.totpCredential.updateMany({ where: { accountId }, data: { secret: this.#stored(secret) } });
  }

  #stored(secret: string): Prisma.InputJsonValue {
    return this.#sealer ? (this.#sealer.seal(secret) as unknown as Prisma.InputJsonObject) : secret;
  }
}
