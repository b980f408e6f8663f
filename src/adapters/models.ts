/** oidc-provider models whose artifacts belong to a grant and die with it. */
export const GRANTABLE_MODELS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** Models with single-use semantics: `consume` must succeed at most once. */
export const CONSUMABLE_MODELS = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

export type AdapterPayload = Record<string, unknown> & {
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
  readonly grantId: string | undefined;
  constructor(model: string, grantId: string | undefined) {
    super(`${model} was already used`);
    this.grantId = grantId;
  }
}

export const epochSeconds = (): number => Math.floor(Date.now() / 1000);
