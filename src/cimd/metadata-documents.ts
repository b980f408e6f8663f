import type { Counter } from '../limits/shared-counters.ts';
import type { Logger } from '../observability/logger.ts';
import type { DocumentCache } from './document-cache.ts';
import type { Fetched } from './document-fetch.ts';
import { documentProblem, type MetadataDocument } from './document-rules.ts';

/** How long a refused document stays refused before it is fetched again. */
export const NEGATIVE_CACHE_SECONDS = 60;

/** A document that cannot describe its client; `message` says why, for the client's developer. */
export class MetadataDocumentError extends Error {
  override name = 'MetadataDocumentError';
}

export interface MetadataDocuments {
  /** The accepted document of `clientId`: cached, or fetched and checked (then cached either way). Throws MetadataDocumentError. */
  resolve(clientId: string): Promise<MetadataDocument>;
  /** Drops what the cache holds for `clientId` on every instance: the next use fetches it again. */
  forget(clientId: string): Promise<void>;
}

export interface MetadataDocumentsOptions {
  readonly cache: DocumentCache;
  /** Fetches per document host (host:port), so that no host is flooded through us. */
  readonly fetchesPerHost: Counter;
  readonly fetch: (clientId: string) => Promise<Fetched>;
  readonly logger: Logger;
}

/**
 * The shared cache in front of the network: every instance reads and fills the same entries, so a
 * document is fetched once for all of them while it is fresh, and a refusal is remembered as long
 * as NEGATIVE_CACHE_SECONDS. Concurrent uses on one instance share one fetch.
 */
export function createMetadataDocuments(options: MetadataDocumentsOptions): MetadataDocuments {
  const pending = new Map<string, Promise<MetadataDocument>>();
  const logger = options.logger.child({ component: 'client-id-metadata-documents' });

  async function load(clientId: string): Promise<MetadataDocument> {
    const cached = await options.cache.get(clientId);
    if (cached?.ok) return cached.document;
    if (cached) throw new MetadataDocumentError(cached.reason);
    const host = new URL(clientId).host;
    const wait = await options.fetchesPerHost.take(host);
    if (wait > 0) {
      logger.warn({ host }, 'client ID metadata document fetches from this host are rate limited');
      throw new MetadataDocumentError(`too many metadata documents were fetched from ${host}; try again in ${wait} seconds`);
    }
    const fetched = await options.fetch(clientId);
    const problem = fetched.ok ? documentProblem(clientId, fetched.value) : fetched.reason;
    if (fetched.ok && problem === undefined) {
      const document = fetched.value as MetadataDocument;
      await options.cache.set(clientId, { ok: true, document }, fetched.ttlSeconds);
      return document;
    }
    const reason = problem ?? 'the document was refused';
    logger.warn({ client_id: clientId, reason }, 'client ID metadata document refused');
    await options.cache.set(clientId, { ok: false, reason }, NEGATIVE_CACHE_SECONDS);
    throw new MetadataDocumentError(reason);
  }

  return {
    resolve(clientId) {
      let loading = pending.get(clientId);
      if (!loading) {
        loading = load(clientId).finally(() => pending.delete(clientId));
        pending.set(clientId, loading);
      }
      return loading;
    },
    forget: (clientId) => options.cache.delete(clientId),
  };
}
