import { isValidClientIdUrl } from 'oidc-provider/lib/helpers/client_id_metadata_document.js';
import type { AuditLog } from '../audit/audit-log.ts';
import type { MetadataDocumentClient, MetadataDocumentClients } from '../cimd/metadata-document-clients.ts';
import type { MetadataDocuments } from '../cimd/metadata-documents.ts';
import type { ClientRevoker } from '../clients/client-registry.ts';
import type { Page, PageRequest } from '../db/keyset.ts';
import { AppError } from '../errors/app-error.ts';
import type { OperationContext } from './operation-context.ts';

export class MetadataDocumentClientNotFoundError extends AppError {
  override name = 'MetadataDocumentClientNotFoundError';
  constructor(clientId: string) {
    super('not_found', `no client ${clientId} was used or blocked`);
  }
}

const checkedClientId = (clientId: string): string => {
  if (!isValidClientIdUrl(clientId)) {
    throw new AppError('invalid_input', 'client_id must be an https URL with a path and no fragment, credentials or dot segments (a client ID metadata document URL)', { fields: [{ pointer: '/client_id', message: 'not a client ID metadata document URL' }] });
  }
  return clientId;
};

/**
 * What admins do with clients by metadata document: see which were used, block one (its grants and
 * tokens end, its cached document is dropped, every instance refuses it from its next use) and let
 * it go again. Blocks are audited.
 */
export function metadataDocumentClientOperations(clients: MetadataDocumentClients, audit: AuditLog, options: { revoker: ClientRevoker; documents: Pick<MetadataDocuments, 'forget'> }) {
  return {
    async show(clientId: string): Promise<MetadataDocumentClient> {
      const record = await clients.read(clientId);
      if (!record) throw new MetadataDocumentClientNotFoundError(clientId);
      return record;
    },
    page: (request: PageRequest): Promise<Page<MetadataDocumentClient>> => clients.page(request),
    count: () => clients.count(),
    async block(context: OperationContext, clientId: string, reason: string | undefined): Promise<MetadataDocumentClient> {
      const record = await clients.block(checkedClientId(clientId), reason);
      await options.revoker.revokeClient(clientId);
      await options.documents.forget(clientId);
      await audit.record({ ...context, action: 'metadata_document_client.blocked', target: clientId, detail: { reason: reason ?? null, grants_revoked: true } });
      return record;
    },
    async unblock(context: OperationContext, clientId: string): Promise<MetadataDocumentClient> {
      const record = await clients.unblock(clientId);
      if (!record) throw new MetadataDocumentClientNotFoundError(clientId);
      await audit.record({ ...context, action: 'metadata_document_client.unblocked', target: clientId });
      return record;
    },
  };
}

export type MetadataDocumentClientOperations = ReturnType<typeof metadataDocumentClientOperations>;
