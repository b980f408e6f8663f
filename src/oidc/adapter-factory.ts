import { errors } from 'oidc-provider';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import { AlreadyConsumedError, type ArtifactAdapter } from '../adapters/models.ts';

/**
 * Gives oidc-provider one adapter per model: clients from the database, everything else from the
 * artifact store. A second `consume` (a replay that raced the first use) is refused as oidc-provider
 * refuses a sequential replay: a code or refresh token revokes its whole grant and answers
 * `invalid_grant`; a pushed authorization request answers `invalid_request_uri`.
 */
// What an unauthenticated request makes the server keep for minutes. The gateway bounds their
// parameters (AUTHORIZATION_MAX_LENGTH, 8 KB by default); this is the backstop behind it.
const STORED_REQUESTS = new Set(['Interaction', 'PushedAuthorizationRequest']);
const MAX_STORED_REQUEST_LENGTH = 64 * 1024;

export function createAdapterFactory(store: ArtifactStore, clients: ArtifactAdapter) {
  return (model: string): ArtifactAdapter => {
    if (model === 'Client') return clients;
    const adapter = store.adapterFor(model);
    return {
      upsert(id, payload, expiresIn) {
        if (STORED_REQUESTS.has(model) && JSON.stringify(payload).length > MAX_STORED_REQUEST_LENGTH) {
          return Promise.reject(new errors.InvalidRequest('the authorization request is too large'));
        }
        return adapter.upsert(id, payload, expiresIn);
      },
      find: (id) => adapter.find(id),
      findByUid: (uid) => adapter.findByUid(uid),
      findByUserCode: (userCode) => adapter.findByUserCode(userCode),
      destroy: (id) => adapter.destroy(id),
      revokeByGrantId: (grantId) => adapter.revokeByGrantId(grantId),
      async consume(id) {
        try {
          await adapter.consume(id);
        } catch (error) {
          if (!(error instanceof AlreadyConsumedError)) throw error;
          throw await refusalOfReplay(store, error);
        }
      },
    };
  };
}

async function refusalOfReplay(store: ArtifactStore, replay: AlreadyConsumedError): Promise<Error> {
  if (replay.model === 'PushedAuthorizationRequest') {
    return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  }
  if (replay.grantId) {
    await Promise.all([store.adapterFor(replay.model).revokeByGrantId(replay.grantId), store.adapterFor('Grant').destroy(replay.grantId)]);
  }
  return new errors.InvalidGrant('the authorization code or refresh token was already used');
}
