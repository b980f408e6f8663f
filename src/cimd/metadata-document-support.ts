import type { AuditLog } from '../audit/audit-log.ts';
import type { ChangeFeed } from '../cache/change-feed.ts';
import { LookupCache } from '../cache/lookup-cache.ts';
import type { Config } from '../config/config.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createSharedCounters } from '../limits/shared-counters.ts';
import type { Logger } from '../observability/logger.ts';
import type { RedisConnection } from '../redis/connection.ts';
import { createDocumentCache } from './document-cache.ts';
import { fetchDocument } from './document-fetch.ts';
import { MetadataDocumentClients, type MetadataDocumentClient } from './metadata-document-clients.ts';
import { createMetadataDocuments, type MetadataDocuments } from './metadata-documents.ts';
import type { MetadataDocumentSupport } from './provider-feature.ts';

export interface MetadataDocumentParts {
  /** For the provider; undefined when CLIENT_ID_METADATA_DOCUMENTS is off. */
  readonly support: MetadataDocumentSupport | undefined;
  /** The record admins read and block in, kept also while the feature is off. */
  readonly clients: MetadataDocumentClients;
  readonly documents: MetadataDocuments;
}

/** Client ID metadata documents as the configuration asks: cached and counted in Redis when there is one. */
export function openMetadataDocuments(options: {
  readonly settings: Config['clientIdMetadataDocuments'];
  /** The CAs outgoing https trusts (OUTBOUND_CA_FILE's with the default ones); undefined: the default ones. */
  readonly trusted: readonly string[] | undefined;
  readonly redis: RedisConnection | undefined;
  readonly keyPrefix: string;
  readonly prisma: PrismaClient;
  readonly changes: ChangeFeed;
  /** How long a block read stays cached where the change feed may miss a change. */
  readonly cacheTtlSeconds: number;
  readonly audit: Pick<AuditLog, 'recordInBackground'>;
  readonly logger: Logger;
}): MetadataDocumentParts {
  const { settings } = options;
  const listed = new Set(settings.allowHosts);
  const documents = createMetadataDocuments({
    cache: createDocumentCache(options),
    fetchesPerHost: createSharedCounters(options).counter('cimd-fetches-per-host', { points: settings.fetchesPerHostPerMinute, windowSeconds: 60 }),
    fetch(clientId) {
      const { host, hostname } = new URL(clientId);
      return fetchDocument(clientId, { listed: listed.has(host) || listed.has(hostname), ca: options.trusted });
    },
    logger: options.logger,
  });
  const clients = new MetadataDocumentClients(options.prisma, { cache: new LookupCache<MetadataDocumentClient>({ ttlSeconds: options.cacheTtlSeconds }), changes: options.changes });
  const support = settings.enabled ? { documents, clients, domains: settings.domains, audit: options.audit, logger: options.logger } : undefined;
  return { support, clients, documents };
}
