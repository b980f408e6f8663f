import { dpopProofOf } from './provider-dpop.ts';
import { createLocalJWKSet, decodeJwt, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccountRepository } from '../accounts/account-repository.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import { introspectJwt } from './jwt-introspection.ts';
import { scopeList } from './scopes.ts';
import { accountIsLive } from './token-policies.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Client metadata: the APIs (resource identifiers) whose users' access tokens this client may exchange. */
export const SUBJECT_AUDIENCES = 'token_exchange_subject_audiences';

/** The `act` claim of each exchanged token, read back by `exchangedTokenClaims` when it is saved. */
const actorOf = new WeakMap<object, Record<string, unknown>>();

/** For oidc-provider's `extraTokenClaims`: what an exchanged token carries besides the usual claims. */
export const exchangedTokenClaims = (token: object): { act: Record<string, unknown> } | undefined => {
  const act = actorOf.get(token);
  return act ? { act } : undefined;
};

const PARAMETERS = ['subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type', 'resource', 'audience', 'scope'];

type ResourceServerInfo = (ctx: KoaContextWithOIDC, indicator: string, client: { clientId: string }) => Promise<{ scope: string; audience: string; accessTokenTTL?: number; accessTokenFormat?: string; jwt?: unknown }>;

export interface TokenExchangeDependencies {
  readonly issuer: string;
  readonly publicKeys: readonly JWK[];
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly accounts: Pick<AccountRepository, 'findById'>;
  readonly resourceServerInfo: ResourceServerInfo;
}

/** The user's token being exchanged, whichever format it has. */
interface Subject {
  readonly accountId: string;
  readonly audiences: readonly string[];
  readonly act: Record<string, unknown> | undefined;
  /** Seconds the subject token has left: the new token never outlives it. */
  readonly remaining: number;
}

const audiencesOf = (aud: unknown): string[] => (Array.isArray(aud) ? aud.filter((entry): entry is string => typeof entry === 'string') : typeof aud === 'string' ? [aud] : []);
const stringParam = (ctx: KoaContextWithOIDC, name: string): string | undefined => {
  const value = (ctx.oidc.params)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/**
 * RFC 8693 token exchange, for a service that got a user's access token and calls another API on
 * their behalf. Refused unless the client's `grant_types` list the grant and its
 * `token_exchange_subject_audiences` list the API the user's token is for; the new token is for one
 * API in the client's `audience`, with scopes its `scope` allows, carries the user as `sub` and the
 * client as the actor (`act`, nested when the subject token had one), lives no longer than the
 * target API allows, and dies with the user's grant.
 */
export function useTokenExchange(provider: Provider, deps: TokenExchangeDependencies): void {
  const keySet = createLocalJWKSet({ keys: [...deps.publicKeys] });
  const jwtDeps = { issuer: deps.issuer, keySet, clients: deps.clients, accounts: deps.accounts, findGrant: (grantId: string) => provider.Grant.find(grantId) };

  async function subjectOf(token: string, exchanger: { clientId: string; clientAuthMethod: string; allowedFrom: readonly string[] }): Promise<Subject | undefined> {
    if (token.split('.').length === 3) {
      // Seen as an API that may introspect any token for the audiences this client exchanges.
      const caller = { clientId: `${exchanger.clientId}#exchange`, clientAuthMethod: exchanger.clientAuthMethod, introspection_audiences: exchanger.allowedFrom };
      const claims = await introspectJwt(token, caller, jwtDeps);
      if (claims.active !== true || typeof claims.sub !== 'string' || claims.sub === claims.client_id) return undefined;
      const payload = decodeJwt(token);
      if (typeof payload.grant_id !== 'string') return undefined;
      return { accountId: claims.sub, audiences: audiencesOf(claims.aud), act: isRecord(payload.act) ? payload.act : undefined, remaining: (payload.exp ?? 0) - Math.floor(Date.now() / 1000) };
    }
    const opaque = await provider.AccessToken.find(token);
    if (!opaque || opaque.isExpired || !opaque.accountId) return undefined;
    if (!(await accountIsLive(deps.accounts, opaque.accountId, opaque.iat))) return undefined;
    if (!opaque.grantId || !(await provider.Grant.find(opaque.grantId))) return undefined;
    const extra = (opaque as unknown as { extra?: Record<string, unknown> }).extra;
    return { accountId: opaque.accountId, audiences: audiencesOf(opaque.aud), act: isRecord(extra?.act) ? extra.act : undefined, remaining: opaque.remainingTTL };
  }

  provider.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    async (ctx) => {
      const client = ctx.oidc.client;
      const allowedFrom = audiencesOf(client.metadata()[SUBJECT_AUDIENCES]);
      if (allowedFrom.length === 0) throw new errors.UnauthorizedClient(`this client may not exchange tokens (no ${SUBJECT_AUDIENCES})`);
      const subjectToken = stringParam(ctx, 'subject_token');
      if (!subjectToken) throw new errors.InvalidRequest('subject_token is missing');
      if (stringParam(ctx, 'subject_token_type') !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
      const requested = stringParam(ctx, 'requested_token_type');
      if (requested && requested !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE}`);
      if (stringParam(ctx, 'actor_token')) throw new errors.InvalidRequest('actor_token is not supported: the authenticated client is the actor');
      const dpop = await dpopProofOf(provider, ctx);

      const target = stringParam(ctx, 'resource') ?? stringParam(ctx, 'audience');
      if (!target) throw new errors.InvalidTarget('name the API to exchange for with resource (or audience)');
      const subject = await subjectOf(subjectToken, { clientId: client.clientId, clientAuthMethod: client.clientAuthMethod ?? 'none', allowedFrom });
      if (!subject || subject.remaining <= 0) throw new errors.InvalidGrant('subject_token is not an active user access token of this issuer');
      if (!subject.audiences.some((aud) => allowedFrom.includes(aud))) throw new errors.InvalidGrant(`subject_token is not for an API listed in ${SUBJECT_AUDIENCES}`);

      // The API's scopes that the client's `scope` allows (resource-server-info.ts).
      const info = await deps.resourceServerInfo(ctx, target, client);
      const offered = new Set(scopeList(info.scope));
      const asked = stringParam(ctx, 'scope');
      const scopes = asked ? scopeList(asked) : [...offered];
      const refused = scopes.filter((scope) => !offered.has(scope));
      if (refused.length > 0) throw new errors.InvalidScope(`scope not allowed for ${target}: ${refused.join(' ')}`, refused.join(' '));

      // The client's own grant for what it got, so that revoking the client's access, or the user's
      // sessions everywhere, ends this token like any other of the client's.
      const grant = new provider.Grant({ accountId: subject.accountId, clientId: client.clientId });
      grant.addResourceScope(target, scopes.join(' '));
      const grantId = await (grant.save as (ttl: number) => Promise<string>).call(grant, subject.remaining);
      const act = { sub: client.clientId, ...(subject.act ? { act: subject.act } : {}) };
      const token = new provider.AccessToken({ accountId: subject.accountId, client, grantId, scope: scopes.join(' ') || undefined, gty: 'token_exchange' });
      actorOf.set(token, act);
      token.resourceServer = new provider.ResourceServer(target, info as never);
      (token as unknown as { expiresIn: number }).expiresIn = Math.min(token.expiration, subject.remaining);
      await dpop.bind(token);
      ctx.oidc.entity('AccessToken', token);
      const value = await token.save();
      ctx.body = {
        access_token: value,
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: token.tokenType,
        expires_in: token.expiration,
        ...(token.scope ? { scope: token.scope } : {}),
      };
    },
    PARAMETERS,
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
