import { errors } from 'oidc-provider';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import { AlreadyConsumedError, type ArtifactAdapter } from '../adapters/models.ts';

/**
 * Gives oidc-provider one adapter per model: clients from the database, everything else from the
 * artifact store. A second `consume` of a code or refresh token (a replay that raced the first use)
 * revokes the whole grant and answers `invalid_grant`, as a sequential replay already does.
 */
export function createAdapterFactory(store: ArtifactStore, clients: ArtifactAdapter) {
  return (model: string): ArtifactAdapter => {
    if (model === 'Client') return clients;
    const adapter = store.adapterFor(model);
    return {
      upsert: (id, payload, expiresIn) => adapter.upsert(id, payload, expiresIn),
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
          if (error.grantId) {
            await Promise.all([adapter.revokeByGrantId(error.grantId), store.adapterFor('Grant').destroy(error.grantId)]);
          }
          throw new errors.InvalidGrant('the authorization code or refresh token was already used');
        }
      },
    };
  };
}
