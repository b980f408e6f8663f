import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../observability/logger.ts';
import { domainAllowed, type DomainPolicy } from './domain-policy.ts';
import { providerViewOf } from './document-rules.ts';
import type { MetadataDocumentClients } from './metadata-document-clients.ts';
import { MetadataDocumentError, type MetadataDocuments } from './metadata-documents.ts';

/**
 * The version of oidc-provider's experimental `clientIdMetadataDocument` feature this code was
 * written and tested against (oidc-provider 9.13: draft-02 of the specification). oidc-provider
 * refuses to start when its implemented version moves on, so an upgrade that changes the feature
 * is noticed, re-read and re-tested (docs/mcp.md) before this pin moves with it.
 */
export const CLIENT_ID_METADATA_DOCUMENT_ACK = 'draft-02';

/** What the feature needs: the shared documents, the record of clients (blocks, uses) and the operator's domain policy. */
export interface MetadataDocumentSupport {
  readonly documents: MetadataDocuments;
  readonly clients: Pick<MetadataDocumentClients, 'isBlocked' | 'recordUse'>;
  readonly domains: DomainPolicy;
  readonly audit: Pick<AuditLog, 'recordInBackground'>;
  readonly logger: Logger;
}

/** Whether a client_id is one oidc-provider resolves by metadata document: the `clientIdMetadataDocument` flag it sets. */
export const isMetadataDocumentClient = (client: unknown): boolean => (client as { clientIdMetadataDocument?: unknown } | undefined)?.clientIdMetadataDocument === true;

/** The operator's domain policy and an admin's block, with errors a client's developer can act on. */
async function admit(support: MetadataDocumentSupport, clientId: string): Promise<void> {
  const { host, hostname } = new URL(clientId);
  if (!domainAllowed(support.domains, hostname)) throw new errors.InvalidClient(`client ID metadata documents from ${host} are not accepted by this server`);
  if (await support.clients.isBlocked(clientId)) throw new errors.InvalidClient('this client has been blocked by an administrator of this server');
}

type ProviderClient = { clientId: string; clientName?: string | undefined; redirectUris?: string[] | undefined };

async function recordUse(support: MetadataDocumentSupport, ctx: KoaContextWithOIDC | undefined, client: ProviderClient): Promise<void> {
  try {
    const use = await support.clients.recordUse(client.clientId, { clientName: client.clientName, redirectUris: client.redirectUris ?? [] });
    if (use !== 'first') return;
    support.audit.recordInBackground({
      actor: `client:${client.clientId}`,
      action: 'metadata_document_client.first_used',
      target: client.clientId,
      address: ctx?.ip,
      detail: { host: new URL(client.clientId).host, client_name: client.clientName },
    });
  } catch (error) {
    support.logger.warn({ err: error, client_id: client.clientId }, 'could not record a use of a client by metadata document');
  }
}

/**
 * oidc-provider's `features.clientIdMetadataDocument`. Its own in-process cache of documents is
 * given no lifetime (`cacheDuration` 0): every use goes through `allowFetch`, which admits the
 * client and reads the document from the cache all instances share (src/cimd/metadata-documents.ts),
 * so a document that expired, changed or failed elsewhere is seen here at once; `allowClient` then
 * admits the client again (a block set meanwhile wins) and records the use.
 */
export function clientIdMetadataDocumentFeature(support: MetadataDocumentSupport | undefined) {
  if (!support) return { enabled: false };
  return {
    enabled: true,
    ack: CLIENT_ID_METADATA_DOCUMENT_ACK,
    cacheDuration: { min: 0, max: 0 },
    async allowFetch(_ctx: KoaContextWithOIDC | undefined, clientId: string) {
      await admit(support, clientId);
      try {
        await support.documents.resolve(clientId);
      } catch (error) {
        if (error instanceof MetadataDocumentError) throw new errors.InvalidClient(`the client ID metadata document cannot be used: ${error.message}`);
        throw error;
      }
      return true;
    },
    async allowClient(ctx: KoaContextWithOIDC | undefined, client: ProviderClient) {
      await admit(support, client.clientId);
      await recordUse(support, ctx, client);
      return true;
    },
  };
}

/** oidc-provider's own GET of a document, answered from the shared cache (`allowFetch` has just filled it). */
export async function metadataDocumentResponse(documents: MetadataDocuments, url: string): Promise<Response> {
  const document = await documents.resolve(url);
  return new Response(JSON.stringify(providerViewOf(document)), { status: 200, headers: { 'content-type': 'application/json' } });
}
