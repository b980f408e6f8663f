import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis/connection.ts';
import type { MetadataDocument } from './document-rules.ts';

/** A document as fetched and accepted, or why it was refused (remembered too, so failures are not fetched again at once). */
export type CachedDocument = { readonly ok: true; readonly document: MetadataDocument } | { readonly ok: false; readonly reason: string };

/** Documents by client_id, shared by every instance through Redis (in this process without it). */
export interface DocumentCache {
  get(clientId: string): Promise<CachedDocument | undefined>;
  set(clientId: string, entry: CachedDocument, ttlSeconds: number): Promise<void>;
  delete(clientId: string): Promise<void>;
}

const MAX_LOCAL_ENTRIES = 1000;

// A URL can be long and hold anything: the key is its digest.
const keyOf = (keyPrefix: string, clientId: string) => `${keyPrefix}cimd:${createHash('sha256').update(clientId).digest('base64url')}`;

export function createDocumentCache(options: { redis: RedisConnection | undefined; keyPrefix: string; now?: () => number }): DocumentCache {
  const { redis } = options;
  if (redis) {
    return {
      async get(clientId) {
        const stored = await redis.get(keyOf(options.keyPrefix, clientId));
        return stored === null ? undefined : (JSON.parse(stored) as CachedDocument);
      },
      async set(clientId, entry, ttlSeconds) {
        await redis.set(keyOf(options.keyPrefix, clientId), JSON.stringify(entry), 'EX', ttlSeconds);
      },
      async delete(clientId) {
        await redis.del(keyOf(options.keyPrefix, clientId));
      },
    };
  }
  const now = options.now ?? Date.now;
  const entries = new Map<string, { entry: CachedDocument; expiresAt: number }>();
  return {
    async get(clientId) {
      const found = entries.get(clientId);
      if (found && found.expiresAt > now()) return found.entry;
      entries.delete(clientId);
      return undefined;
    },
    async set(clientId, entry, ttlSeconds) {
      entries.delete(clientId);
      if (entries.size >= MAX_LOCAL_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(clientId, { entry, expiresAt: now() + ttlSeconds * 1000 });
    },
    async delete(clientId) {
      entries.delete(clientId);
    },
  };
}
