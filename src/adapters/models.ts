import { createHash } from 'node:crypto';

/** oidc-provider models whose artifacts belong to a grant and die with it. */
export const GRANTABLE_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Every model oidc-provider calls `consume` on (node_modules/oidc-provider/lib/models/*.js): `consume`
 * must succeed at most once. Both stores can consume any model; this list is what the contract checks.
 */
export const CONSUMABLE_MODELS = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
  'PushedAuthorizationRequest',
]);

/**
 * Stores are keyed by a digest of each id, and the id itself is left out of the stored value, so
 * whoever reads the store (a SCAN, a dump, a replica) finds no usable token or session id.
 * Exception: oidc-provider finds a DeviceCode by its user code and then saves it under its id, so
 * that id must be recoverable from the value. (Session is also found through a secondary index, by
 * uid, but oidc-provider only reads what it finds that way: such a Session comes back without its id.)
 */
const MODELS_KEEPING_ID_IN_VALUE = new Set(['DeviceCode']);

export type AdapterPayload = Record<string, unknown> & {
  jti?: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

/** The contract oidc-provider calls on every model's adapter. */
export interface ArtifactAdapter {
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/** Thrown by `consume` when a single-use artifact was already used: a replay, possibly a race. */
export class AlreadyConsumedError extends Error {
  override readonly name = 'AlreadyConsumedError';
  readonly model: string;
  readonly grantId: string | undefined;
  constructor(model: string, grantId: string | undefined) {
    super(`${model} was already used`);
    this.model = model;
    this.grantId = grantId;
  }
}

/** How many of an account's sessions, grants and the like a listing returns (the longest-lived first in Redis). */
export const ACCOUNT_LISTING_LIMIT = 200;

export const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/** SHA-256, base64url: what every key is named by instead of the id it stands for. */
export const digest = (id: string): string => createHash('sha256').update(id).digest('base64url');

/** How an index names one artifact: its model and the digest of its id. */
export const memberOf = (model: string, idDigest: string): string => `${model}:${idDigest}`;

export function parseMember(member: string): { model: string; idDigest: string } {
  const colon = member.indexOf(':');
  return { model: member.slice(0, colon), idDigest: member.slice(colon + 1) };
}

/** The JSON a store keeps for a payload: without the id, and without ids of other artifacts. */
export function serializePayload(model: string, id: string, payload: AdapterPayload): string {
  let stored: Record<string, unknown> = payload;
  if (payload.jti === id && !MODELS_KEEPING_ID_IN_VALUE.has(model)) {
    const { jti: _jti, ...rest } = payload;
    stored = rest;
  }
  if (model === 'Interaction') stored = withoutSessionCookie(stored);
  return JSON.stringify(stored);
}

/** The payload oidc-provider stored, from the store's JSON; `id` is known unless found by a secondary index. */
export function deserializePayload(model: string, id: string | undefined, json: string, consumed: string | number | null | undefined): AdapterPayload {
  const payload = JSON.parse(json) as AdapterPayload;
  if (id !== undefined && payload.jti === undefined && !MODELS_KEEPING_ID_IN_VALUE.has(model)) payload.jti = id;
  if (consumed) payload.consumed = Number(consumed);
  return payload;
}

// oidc-provider copies the session id (the session cookie's value) into the interaction as
// `session.cookie` and never reads it back; Portcullis does not read it either.
function withoutSessionCookie(payload: Record<string, unknown>): Record<string, unknown> {
  const session = payload.session;
  if (!isRecord(session) || !('cookie' in session)) return payload;
  const { cookie: _cookie, ...rest } = session;
  return { ...payload, session: rest };
}

export type OwnerIndex = 'grant' | 'account' | 'client';

export interface Ownership {
  readonly index: OwnerIndex;
  readonly ownerId: string;
}

/**
 * The indexes an artifact joins so that revoking its grant, its account or its client finds it.
 * An artifact of a grant is found through the grant, which is itself in its account's and client's
 * indexes; only artifacts without a grant (sessions, client credentials, pushed requests,
 * interactions, …) are indexed by account and client directly.
 */
export function ownershipOf(model: string, payload: AdapterPayload): Ownership[] {
  if (GRANTABLE_MODELS.has(model) && typeof payload.grantId === 'string') return [{ index: 'grant', ownerId: payload.grantId }];
  const owners: Ownership[] = [];
  const accountId = accountOf(model, payload);
  const clientId = clientOf(model, payload);
  if (accountId) owners.push({ index: 'account', ownerId: accountId });
  if (clientId) owners.push({ index: 'client', ownerId: clientId });
  return owners;
}

function accountOf(model: string, payload: AdapterPayload): string | undefined {
  if (model === 'Interaction') return text(field(payload.session, 'accountId')) ?? text(field(field(payload.result, 'login'), 'accountId'));
  return text(payload.accountId);
}

function clientOf(model: string, payload: AdapterPayload): string | undefined {
  if (model === 'Interaction') return text(field(payload.params, 'client_id'));
  if (model === 'PushedAuthorizationRequest') return clientOfRequestObject(payload.request);
  return text(payload.clientId);
}

// A pushed request keeps its parameters as a (signed or unsecured) JWT whose payload names the
// client; an encrypted one cannot be read here, and dies within its 60 seconds anyway.
function clientOfRequestObject(request: unknown): string | undefined {
  const parts = typeof request === 'string' ? request.split('.') : [];
  if (parts.length !== 3) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return text(field(claims, 'client_id')) ?? text(field(claims, 'iss'));
  } catch {
    return undefined;
  }
}

/** The secondary lookups oidc-provider needs: Session by uid, DeviceCode by user code. */
export function lookupsOf(model: string, payload: AdapterPayload): Array<{ lookup: Lookup; value: string }> {
  if (model === 'Session' && typeof payload.uid === 'string') return [{ lookup: 'sessionUid', value: payload.uid }];
  if (model === 'DeviceCode' && typeof payload.userCode === 'string') return [{ lookup: 'userCode', value: payload.userCode }];
  return [];
}

export type Lookup = 'sessionUid' | 'userCode';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const field = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Seconds to keep an artifact for, from oidc-provider's `expiresIn`; 0 = no expiry. */
export const ttlSeconds = (expiresIn: number | undefined): number => (expiresIn && expiresIn > 0 ? Math.ceil(expiresIn) : 0);
