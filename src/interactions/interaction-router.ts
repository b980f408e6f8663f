import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.ts';
import { allowedScopesOf } from '../clients/client-record.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import { PAGE_CSP } from '../http/page-policy.ts';
import { scopeList } from '../oidc/scopes.ts';
import type { Logger } from '../observability/logger.ts';
import { issueCsrfToken, verifyCsrfToken } from './csrf.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { Views } from './views.ts';

export interface InteractionDependencies {
  readonly provider: Provider;
  readonly accounts: AccountService;
  readonly clients: Pick<ClientRegistry, 'find'>;
  readonly throttle: LoginThrottle;
  readonly views: Views;
  readonly logger: Logger;
  readonly secureCookies: boolean;
}

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm your identity',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay signed in and act for you while you are away',
};

const INVALID_CREDENTIALS = 'Incorrect email or password.';
const HTML_SECURITY_HEADERS = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
};

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Login, consent and abort for oidc-provider interactions; views live in `views/`. */
export function createInteractionRouter(deps: InteractionDependencies): Router {
  const { provider, views } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  // Loaded with the first form post rather than at start (idle memory).
  let forms: Promise<Middleware> | undefined;
  const formParser = () =>
    (forms ??= import('@koa/bodyparser').then(({ bodyParser }) => bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' }) as Middleware));

  const render = async (ctx: Context, status: number, view: string, data: Record<string, unknown>) => {
    const html = await views.render(view, data);
    ctx.set(HTML_SECURITY_HEADERS);
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = html;
  };

  const renderError = (ctx: Context, status: number, heading: string, message: string) =>
    render(ctx, status, 'error', { heading, message, code: undefined });

  /** Loads the interaction named by the URL and bound to this browser's cookie, or shows why not. */
  const loadDetails = async (ctx: Context): Promise<Details | undefined> => {
    try {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== (ctx.params as Record<string, string>).uid) throw new Error('interaction mismatch');
      return details;
    } catch {
      await renderError(ctx, 400, 'This sign-in page has expired', 'Go back to the application and start signing in again.');
      return undefined;
    }
  };

  const clientNameOf = async (clientId: unknown): Promise<string> => {
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
    return client?.clientName ?? (typeof clientId === 'string' ? clientId : 'the application');
  };

  const renderLogin = async (ctx: Context, details: Details, status: number, extra: { error?: string; email?: string } = {}) => {
    await render(ctx, status, 'login', {
      uid: details.uid,
      csrf: issueCsrfToken(ctx, details.uid, deps.secureCookies),
      clientName: await clientNameOf(details.params.client_id),
      email: extra.email ?? (typeof details.params.login_hint === 'string' ? details.params.login_hint : ''),
      error: extra.error,
    });
  };

  const allowedScopes = async (details: Details): Promise<ReadonlySet<string>> => {
    const registration = await deps.clients.find(String(details.params.client_id));
    return registration ? allowedScopesOf(registration.metadata) : new Set<string>();
  };

  /**
   * A user flow may grant fewer scopes than asked (RFC 6749 section 3.3), never one outside the
   * client's `scope`: the stored request is narrowed before any prompt, so consent, the grant and
   * every token issued after it see only what the client may have.
   */
  const narrowToClientScopes = async (details: Details): Promise<void> => {
    const allowed = await allowedScopes(details);
    const requested = scopeList(details.params.scope);
    const kept = requested.filter((scope) => allowed.has(scope));
    if (kept.length === requested.length) return;
    details.params.scope = kept.length > 0 ? kept.join(' ') : undefined;
    await details.persist();
  };

  /** What the consent prompt asks for, limited to the client's `scope`. */
  const missingConsent = async (details: Details) => {
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const allowed = await allowedScopes(details);
    const keep = (scopes: string[] | undefined) => (scopes ?? []).filter((scope) => allowed.has(scope));
    return {
      missingOIDCScope: keep(missing.missingOIDCScope),
      missingOIDCClaims: missing.missingOIDCClaims ?? [],
      missingResourceScopes: Object.fromEntries(
        Object.entries(missing.missingResourceScopes ?? {}).map(([indicator, scopes]) => [indicator, keep(scopes)] as const).filter(([, scopes]) => scopes.length > 0),
      ),
    };
  };

  const renderConsent = async (ctx: Context, details: Details) => {
    const missing = await missingConsent(details);
    const account = details.session?.accountId ? await deps.accounts.repository.findById(details.session.accountId) : null;
    const resourceScopes = Object.values(missing.missingResourceScopes ?? {}).flat();
    await render(ctx, 200, 'consent', {
      uid: details.uid,
      csrf: issueCsrfToken(ctx, details.uid, deps.secureCookies),
      clientName: await clientNameOf(details.params.client_id),
      email: account?.email ?? '',
      scopes: [...(missing.missingOIDCScope ?? []), ...resourceScopes].map((scope) => ({
        scope,
        description: SCOPE_DESCRIPTIONS[scope] ?? `Use ${scope}`,
      })),
      claims: (missing.missingOIDCClaims ?? []).filter((claim) => claim !== 'sub'),
      resources: Object.keys(missing.missingResourceScopes ?? {}),
    });
  };

  const finish = async (ctx: Context, result: Parameters<Provider['interactionResult']>[2]) => {
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.set('cache-control', 'no-store');
    ctx.redirect(redirectTo);
  };

  /** Parses the form and checks its CSRF token; answers the request itself when either fails. */
  const checkedForm = async (ctx: Context, next: () => Promise<unknown>) => {
    try {
      await (await formParser())(ctx, async () => {});
    } catch {
      await renderError(ctx, 413, 'That request was too large', 'Go back and try again.');
      return;
    }
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrfToken(ctx, body.csrf)) {
      await renderError(ctx, 403, 'This form has expired', 'Reload the page and try again.');
      return;
    }
    await next();
  };

  // A browser gets a page, not JSON, when something behind the forms (database, store) fails.
  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      deps.logger.error({ err: error, path: ctx.path }, 'interaction failed');
      await renderError(ctx, 503, 'Sign-in is temporarily unavailable', 'Please try again in a moment.');
    }
  });

  router.get('/', async (ctx) => {
    const details = await loadDetails(ctx);
    if (!details) return;
    await narrowToClientScopes(details);
    if (details.prompt.name === 'login') return renderLogin(ctx, details, 200);
    if (details.prompt.name === 'consent') return renderConsent(ctx, details);
    return renderError(ctx, 400, 'Unsupported step', 'This sign-in step is not supported.');
  });

  router.post('/login', checkedForm, async (ctx) => {
    const details = await loadDetails(ctx);
    if (!details) return;
    if (details.prompt.name !== 'login') return renderError(ctx, 400, 'Already signed in', 'Go back to the application and try again.');
    const body = ctx.request.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!email || !password) return renderLogin(ctx, details, 400, { error: 'Enter your email and password.', email });

    const outcome = await deps.throttle.signIn({ email, address: ctx.ip }, () => deps.accounts.authenticate(email, password));
    if (outcome.refused) {
      const { reason, status, retryAfter } = outcome.refused;
      deps.logger.info({ event: 'login.refused', reason, client: details.params.client_id }, 'login refused');
      ctx.set('retry-after', String(retryAfter));
      const error =
        reason === 'busy'
          ? 'Sign-in is busy right now. Please try again in a moment.'
          : reason === 'too-many-in-flight'
            ? 'Too many sign-ins at once from your network. Wait a moment and try again.'
            : 'Too many failed attempts. Wait a few minutes and try again.';
      return renderLogin(ctx, details, status, { error, email });
    }

    const { account } = outcome;
    if (!account) {
      deps.logger.info({ event: 'login.failed', client: details.params.client_id }, 'login failed');
      return renderLogin(ctx, details, 401, { error: INVALID_CREDENTIALS, email });
    }
    deps.logger.info({ event: 'login.success', sub: account.id, client: details.params.client_id }, 'login succeeded');
    return finish(ctx, { login: { accountId: account.id, amr: ['pwd'] } });
  });

  router.post('/confirm', checkedForm, async (ctx) => {
    const details = await loadDetails(ctx);
    if (!details) return;
    if (details.prompt.name !== 'consent' || !details.session?.accountId) {
      return renderError(ctx, 400, 'Nothing to confirm', 'Go back to the application and try again.');
    }
    const missing = await missingConsent(details);
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
    if (!grant) return renderError(ctx, 400, 'This sign-in page has expired', 'Go back to the application and start again.');
    if (missing.missingOIDCScope.length > 0) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims.length > 0) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    return finish(ctx, { consent: { grantId } });
  });

  router.post('/abort', checkedForm, async (ctx) => {
    const details = await loadDetails(ctx);
    if (!details) return;
    return finish(ctx, { error: 'access_denied', error_description: 'The user denied the request' });
  });

  return router;
}
