import type { ChangeFeed } from '../cache/change-feed.ts';
import type { LookupCache } from '../cache/lookup-cache.ts';
import { afterPosition, toPage, type Page, type PageRequest } from '../db/keyset.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { isSafeIdentifier } from '../http/safe-text.ts';

/** A client by metadata document as recorded: when it was used, and whether an admin blocked it. */
export interface MetadataDocumentClient {
  readonly clientId: string;
  readonly host: string;
  readonly clientName: string | null;
  readonly redirectUris: readonly string[];
  readonly firstUsedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly blockedAt: Date | null;
  readonly blockedReason: string | null;
  readonly createdAt: Date;
}

/** What a use tells of the client: its document's name and redirect URIs, as they are now. */
export interface ClientUse {
  readonly clientName: string | undefined;
  readonly redirectUris: readonly string[];
}

const USE_RESOLUTION_MS = 60_000;
const MAX_TEXT = 2048;

const hostOf = (clientId: string): string => new URL(clientId).host;
const bounded = (text: string | undefined): string | null => (text === undefined ? null : text.slice(0, MAX_TEXT));

/**
 * The clients by metadata document that were used, in PostgreSQL: first and last use (to a minute,
 * one write a minute per client and instance) and an admin's block. The block is read through a
 * cache that every instance drops when it changes (kind `client` on the change feed).
 */
export class MetadataDocumentClients {
  readonly #prisma: PrismaClient;
  readonly #cache: LookupCache<MetadataDocumentClient> | undefined;
  readonly #changes: ChangeFeed | undefined;
  readonly #lastWrites = new Map<string, number>();

  constructor(prisma: PrismaClient, options: { cache?: LookupCache<MetadataDocumentClient> | undefined; changes?: ChangeFeed | undefined } = {}) {
    this.#prisma = prisma;
    this.#cache = options.cache;
    this.#changes = options.changes;
    options.changes?.onChange(({ kind, id }) => {
      if (kind === 'client') options.cache?.invalidate(id);
    });
    options.changes?.onReset(() => options.cache?.clear());
  }

  async isBlocked(clientId: string): Promise<boolean> {
    const record = this.#cache ? await this.#cache.get(clientId, (key) => this.read(key)) : await this.read(clientId);
    return Boolean(record?.blockedAt);
  }

  /** Notes a use; `first` when this is the client's first (then it is audited). */
  async recordUse(clientId: string, use: ClientUse): Promise<'first' | 'again' | 'unrecorded'> {
    const now = Date.now();
    if ((this.#lastWrites.get(clientId) ?? 0) > now - USE_RESOLUTION_MS) return 'unrecorded';
    this.#lastWrites.set(clientId, now);
    if (this.#lastWrites.size > 10_000) this.#lastWrites.clear();
    const at = new Date(now);
    const described = { clientName: bounded(use.clientName), redirectUris: use.redirectUris.slice(0, 50).map((uri) => uri.slice(0, MAX_TEXT)) };
    const created = await this.#prisma.metadataDocumentClient.createMany({ data: [{ clientId, host: hostOf(clientId), ...described, firstUsedAt: at, lastUsedAt: at }], skipDuplicates: true });
    if (created.count > 0) return 'first';
    // Blocked before it was ever used, then let go: this is its first use.
    const firstNow = await this.#prisma.metadataDocumentClient.updateMany({ where: { clientId, firstUsedAt: null }, data: { ...described, firstUsedAt: at, lastUsedAt: at } });
    if (firstNow.count > 0) return 'first';
    await this.#prisma.metadataDocumentClient.updateMany({ where: { clientId, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now - USE_RESOLUTION_MS) } }] }, data: { ...described, lastUsedAt: at } });
    return 'again';
  }

  /** Blocks `clientId` (recorded now if it never was used); every instance refuses it from the next use. */
  async block(clientId: string, reason: string | undefined): Promise<MetadataDocumentClient> {
    const data = { blockedAt: new Date(), blockedReason: bounded(reason) };
    const record = await this.#prisma.metadataDocumentClient.upsert({ where: { clientId }, create: { clientId, host: hostOf(clientId), ...data }, update: data });
    await this.#changed(clientId);
    return record;
  }

  /** Lets a blocked client be used again; undefined when it was never recorded. */
  async unblock(clientId: string): Promise<MetadataDocumentClient | undefined> {
    const { count } = await this.#prisma.metadataDocumentClient.updateMany({ where: { clientId }, data: { blockedAt: null, blockedReason: null } });
    if (count === 0) return undefined;
    await this.#changed(clientId);
    return this.read(clientId);
  }

  /** As stored now, bypassing the cache. */
  async read(clientId: string): Promise<MetadataDocumentClient | undefined> {
    if (!isSafeIdentifier(clientId, MAX_TEXT)) return undefined;
    return (await this.#prisma.metadataDocumentClient.findUnique({ where: { clientId } })) ?? undefined;
  }

  async page(request: PageRequest): Promise<Page<MetadataDocumentClient>> {
    const rows = await this.#prisma.metadataDocumentClient.findMany({ where: afterPosition('clientId', request.after), orderBy: [{ createdAt: 'asc' }, { clientId: 'asc' }], take: request.limit + 1 });
    return toPage(rows, request.limit, (row) => ({ createdAt: row.createdAt, key: row.clientId }));
  }

  count(): Promise<number> {
    return this.#prisma.metadataDocumentClient.count();
  }

  async #changed(clientId: string): Promise<void> {
    this.#cache?.invalidate(clientId);
    await this.#changes?.publish({ kind: 'client', id: clientId });
  }
}
