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

export interface AdapterOptions {
  /** REFRESH_TOKEN_REUSE_GRACE: seconds after its first use in which a rotated refresh token still works once more. */
  readonly refreshReuseGraceSeconds?: number;
}

export function createAdapterFactory(store: ArtifactStore, clients: ArtifactAdapter, { refreshReuseGraceSeconds = 0 }: AdapterOptions = {}) {
  return (model: string): ArtifactAdapter => {
    if (model === 'Client') return clients;
    const adapter = store.adapterFor(model);
    if (model === 'RefreshToken' && refreshReuseGraceSeconds > 0) return withReuseGrace(adapter, refreshReuseGraceSeconds, store);
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
      consume: (id) => consumeOnce(store, adapter, id),
    };
  };
}

async function consumeOnce(store: ArtifactStore, adapter: ArtifactAdapter, id: string): Promise<void> {
  try {
    await adapter.consume(id);
  } catch (error) {
    if (!(error instanceof AlreadyConsumedError)) throw error;
    throw await refusalOfReplay(store, error);
  }
}

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * A refresh token used again within `graceSeconds` of its first use looks unused to oidc-provider,
 * so a client's retry, or its parallel refreshes, each get a new token of the same grant instead of
 * revoking it. The window counts from the first use (a reuse does not move it); a reuse after it
 * revokes the grant as before.
 */
function withReuseGrace(adapter: ArtifactAdapter, graceSeconds: number, store: ArtifactStore): ArtifactAdapter {
  const withinGrace = (consumedAt: number | undefined): boolean => consumedAt !== undefined && epochSeconds() - consumedAt <= graceSeconds;
  return {
    upsert: (id, payload, expiresIn) => adapter.upsert(id, payload, expiresIn),
    async find(id) {
      const payload = await adapter.find(id);
      if (!payload || !withinGrace(payload.consumed)) return payload;
      const { consumed: _consumed, ...usable } = payload;
      return usable;
    },
    findByUid: (uid) => adapter.findByUid(uid),
    findByUserCode: (userCode) => adapter.findByUserCode(userCode),
    destroy: (id) => adapter.destroy(id),
    revokeByGrantId: (grantId) => adapter.revokeByGrantId(grantId),
    async consume(id) {
      try {
        await adapter.consume(id);
      } catch (error) {
        if (!(error instanceof AlreadyConsumedError)) throw error;
        if (withinGrace((await adapter.find(id))?.consumed)) return;
        throw await refusalOfReplay(store, error);
      }
    },
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
