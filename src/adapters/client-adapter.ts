import type { PrismaClient } from '../generated/prisma/client.ts';
import type { LookupCache } from '../cache/lookup-cache.ts';
import type { AdapterPayload, ArtifactAdapter } from './models.ts';

/**
 * oidc-provider's Client model, read from PostgreSQL: clients are created by the CLI (or the admin
 * API), never through the provider, so every write method refuses.
 */
export class ClientAdapter implements ArtifactAdapter {
  readonly #prisma: PrismaClient;
  readonly #cache: LookupCache<AdapterPayload> | undefined;

  constructor(prisma: PrismaClient, cache?: LookupCache<AdapterPayload>) {
    this.#prisma = prisma;
    this.#cache = cache;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#cache ? this.#cache.get(id, (key) => this.#load(key)) : this.#load(id);
  }

  async #load(id: string): Promise<AdapterPayload | undefined> {
    const row = await this.#prisma.client.findUnique({ where: { clientId: id }, select: { metadata: true } });
    return row ? (row.metadata as AdapterPayload) : undefined;
  }

  upsert(): Promise<void> {
    return readOnly();
  }
  consume(): Promise<void> {
    return readOnly();
  }
  destroy(): Promise<void> {
    return readOnly();
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async revokeByGrantId(): Promise<void> {}
}

function readOnly(): Promise<never> {
  return Promise.reject(new Error('clients are managed through the client registry, not the provider'));
}
