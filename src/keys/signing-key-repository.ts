import { isSealed, openStored, type KeySealer } from '../crypto/key-sealer.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { PrivateJwk, SigningAlgorithm } from './key-material.ts';
import type { KeyState, KeyStatus, StoredKey } from './key-states.ts';

/** One write to the key set; a list of them is applied in one transaction. */
export type KeyWrite =
  | { readonly op: 'insert'; readonly key: PrivateJwk; readonly status: 'current' | 'next'; readonly at: Date }
  | { readonly op: 'activate'; readonly kid: string; readonly at: Date }
  | { readonly op: 'retire'; readonly kid: string; readonly at: Date; readonly publishedUntil: Date }
  | { readonly op: 'delete'; readonly kid: string };

const STATE_COLUMNS = {
  kid: true,
  alg: true,
  status: true,
  createdAt: true,
  activatedAt: true,
  retiredAt: true,
  publishedUntil: true,
} as const;

type StateRow = Prisma.SigningKeyGetPayload<{ select: typeof STATE_COLUMNS }>;

const toState = (row: StateRow): KeyState => ({
  kid: row.kid,
  alg: row.alg as SigningAlgorithm,
  status: row.status as KeyStatus,
  createdAt: row.createdAt,
  activatedAt: row.activatedAt,
  retiredAt: row.retiredAt,
  publishedUntil: row.publishedUntil,
});

/** The `signing_keys` table: private keys sealed with KEY_ENCRYPTION_KEY when one is configured. */
export class SigningKeyRepository {
  readonly #prisma: PrismaClient;
  readonly #sealer: KeySealer | undefined;

  constructor(prisma: PrismaClient, sealer?: KeySealer) {
    this.#prisma = prisma;
    this.#sealer = sealer;
  }

  /** Every key's lifecycle without its key material: cheap enough to poll. */
  async states(): Promise<KeyState[]> {
    return (await this.#prisma.signingKey.findMany({ select: STATE_COLUMNS })).map(toState);
  }

  async keys(): Promise<StoredKey[]> {
    const rows = await this.#prisma.signingKey.findMany();
    return rows.map((row) => ({ ...toState(row), jwk: JSON.parse(openStored(row.privateJwk, this.#sealer)) as PrivateJwk }));
  }

  /** Seals the keys stored in the clear before a key-encryption key was configured. */
  async sealUnsealed(): Promise<void> {
    if (!this.#sealer) return;
    for (const row of await this.#prisma.signingKey.findMany({ select: { kid: true, privateJwk: true } })) {
      if (isSealed(row.privateJwk)) continue;
      await this.#prisma.signingKey.update({
        where: { kid: row.kid },
        data: { privateJwk: this.#stored(JSON.parse(openStored(row.privateJwk, undefined)) as PrivateJwk) },
      });
    }
  }

  /** Applies the writes in order, all or none (one current and one next key per algorithm, enforced by the database). */
  async apply(writes: readonly KeyWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.#prisma.$transaction(writes.map((write) => this.#statement(write)));
  }

  #statement(write: KeyWrite) {
    const signingKey = this.#prisma.signingKey;
    switch (write.op) {
      case 'insert':
        return signingKey.create({
          data: {
            kid: write.key.kid,
            alg: write.key.alg,
            privateJwk: this.#stored(write.key),
            status: write.status,
            createdAt: write.at,
            activatedAt: write.status === 'current' ? write.at : null,
          },
        });
      case 'activate':
        return signingKey.update({ where: { kid: write.kid }, data: { status: 'current', activatedAt: write.at } });
      case 'retire':
        return signingKey.update({
          where: { kid: write.kid },
          data: { status: 'retired', retiredAt: write.at, publishedUntil: write.publishedUntil },
        });
      case 'delete':
        return signingKey.delete({ where: { kid: write.kid } });
    }
  }

  #stored(key: PrivateJwk): Prisma.InputJsonObject {
    return (this.#sealer ? this.#sealer.seal(JSON.stringify(key)) : key) as unknown as Prisma.InputJsonObject;
  }
}
