import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { enforceClientPolicy } from '../clients/client-policy.ts';
import { displayNameProblem } from '../clients/display-name.ts';
import { AppError } from '../errors/app-error.ts';
import { REQUIRE_PKCE } from './pkce-policy.ts';
import { SUBJECT_AUDIENCES } from './token-exchange.ts';

export type RegistrationMode = 'off' | 'initial-access-token' | 'open';

const DYNAMIC_ROUTES = new Set(['registration', 'client_update']);
/** What only an administrator may grant: the APIs a client may call, introspection, token exchange, the admin API. */
export const ADMIN_ONLY_METADATA = ['audience', 'introspection_audiences', SUBJECT_AUDIENCES, 'admin'];

const isLoopback = (hostname: string) => hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);

/** `open` registration accepts only https redirect URIs, or loopback ones for native apps (RFC 8252). */
function openRegistrationProblem(metadata: Record<string, unknown>): string | undefined {
  for (const field of ['redirect_uris', 'post_logout_redirect_uris']) {
    const uris = metadata[field];
    if (!Array.isArray(uris)) continue;
    for (const uri of uris) {
      const url = typeof uri === 'string' && URL.canParse(uri) ? new URL(uri) : undefined;
      if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname)))) {
        return `${field}: only https or loopback http redirect URIs may be registered dynamically`;
      }
      if (url.username || url.password) return `${field}: redirect URIs must not carry credentials`;
    }
  }
  return undefined;
}

/**
 * Portcullis's rules for a client registering itself (RFC 7591) or changing its registration
 * (RFC 7592): the same registration policy as admins get, and nothing only an admin may grant (the
 * APIs it may call, introspection rights, the tokens it may exchange, the admin API). Runs inside
 * oidc-provider's client validation, which knows the route; a client an admin registers is checked by the registry instead.
 */
export function checkDynamicRegistration(ctx: KoaContextWithOIDC | undefined, metadata: Record<string, unknown>, { mode, production }: { mode: RegistrationMode; production: boolean }): void {
  if (!ctx || !DYNAMIC_ROUTES.has(ctx.oidc?.route ?? '')) return;
  const given = ADMIN_ONLY_METADATA.find((field) => metadata[field] !== undefined);
  if (given) throw new errors.InvalidClientMetadata(`${given} cannot be registered dynamically; ask an administrator`);
  if (metadata[REQUIRE_PKCE] === false) throw new errors.InvalidClientMetadata(`${REQUIRE_PKCE}: false cannot be registered dynamically; ask an administrator`);
  const name = displayNameProblem('client_name', metadata.client_name);
  if (name) throw new errors.InvalidClientMetadata(name);
  const openProblem = mode === 'open' ? openRegistrationProblem(metadata) : undefined;
  if (openProblem) throw new errors.InvalidClientMetadata(openProblem);
  try {
    enforceClientPolicy({ ...metadata }, { production });
  } catch (error) {
    if (error instanceof AppError) throw new errors.InvalidClientMetadata(error.message);
    throw error;
  }
}

/** The policy every initial access token carries: it registers one client, then it is gone. */
export const SINGLE_USE_POLICY = 'single-use';

async function consumeInitialAccessToken(ctx: KoaContextWithOIDC): Promise<void> {
  // Also runs on RFC 7592 updates (the registration access token inherits the policy): nothing to consume then.
  const token = (ctx.oidc.entities as { InitialAccessToken?: { destroy(): Promise<void> } }).InitialAccessToken;
  await token?.destroy();
}

/** oidc-provider's dynamic registration features for a REGISTRATION mode. */
export function registrationFeatures(mode: RegistrationMode, idFactory: () => string) {
  const enabled = mode !== 'off';
  return {
    registration: {
      enabled,
      initialAccessToken: mode === 'initial-access-token',
      issueRegistrationAccessToken: true,
      idFactory,
      // oidc-provider takes policies only with initial access tokens.
      ...(mode === 'initial-access-token' ? { policies: { [SINGLE_USE_POLICY]: consumeInitialAccessToken } } : {}),
    },
    registrationManagement: { enabled, rotateRegistrationAccessToken: true },
  };
}
