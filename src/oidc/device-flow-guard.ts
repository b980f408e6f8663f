import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import type { Config } from '../config/config.ts';
import { answerRefusal } from '../http/refusal.ts';
import { readAndReplayBody } from '../http/request-body.ts';
import { rewriteRequestTarget } from '../http/request-target.ts';
import { addressBucket } from '../limits/address-bucket.ts';
import { createSharedCounters, type Counter, type Memory } from '../limits/shared-counters.ts';
import { sendErrorPage } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';
import { emitDeviceFlowEvent } from './device-flow-events.ts';
import { pageText } from '../pages/page-text.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceFlowGuardDependencies {
  readonly config: Pick<Config, 'deviceFlow' | 'authorizationRequests'>;
  readonly store: ArtifactStore;
  readonly views: Views;
}

// oidc-provider's own limit for a form body (the gateway refused anything larger already).
const MAX_FORM_BODY = 56 * 1024;
const MAX_USER_CODE_LENGTH = 64;
const WRONG_CODE_WINDOW_SECONDS = 600;
// The store drops a device code when it expires; a poll that comes up to an hour later still learns
// `expired_token` (RFC 8628 section 3.5) rather than a bare `invalid_grant`.
const EXPIRED_ANSWER_SECONDS = 3600;
const NOT_ALLOWED = `${DEVICE_CODE_GRANT} is not allowed for this client`;

interface DeviceFlowLimits {
  /** Wrong user codes per client address. */
  readonly wrongCodes: Counter;
  /** One poll per device code per interval. */
  readonly polls: Counter;
  /** Device authorization requests per client address: each one stores a device code. */
  readonly authorizations: Counter;
  /** Device codes issued, by client: remembered past their expiry. */
  readonly issued: Memory;
}

// One set per store, so that a provider rebuilt for new signing keys keeps the counts (embedded mode).
const limitsByStore = new WeakMap<ArtifactStore, DeviceFlowLimits>();

function limitsFor(store: ArtifactStore, config: DeviceFlowGuardDependencies['config']): DeviceFlowLimits {
  const known = limitsByStore.get(store);
  if (known) return known;
  const counters = createSharedCounters({ redis: store.redis, keyPrefix: store.keyPrefix });
  const limits: DeviceFlowLimits = {
    wrongCodes: counters.counter('device-wrong-codes-per-address', { points: config.deviceFlow.wrongCodesPerAddressPer10Minutes, windowSeconds: WRONG_CODE_WINDOW_SECONDS }),
    polls: counters.counter('device-polls', { points: 1, windowSeconds: config.deviceFlow.pollIntervalSeconds }),
    authorizations: counters.counter('device-authorizations-per-address', { points: config.authorizationRequests.rateLimit, windowSeconds: config.authorizationRequests.rateWindowSeconds }),
    issued: counters.memory('device-codes-issued', config.deviceFlow.codeTtl + EXPIRED_ANSWER_SECONDS),
  };
  limitsByStore.set(store, limits);
  return limits;
}

/** What the guard and the page sources tell each other about one request. */
interface DeviceFlowState {
  prefilledUserCode?: string;
  wrongUserCode?: boolean;
}

const stateOf = (ctx: { state: unknown }): DeviceFlowState => {
  const state = ctx.state as { deviceFlow?: DeviceFlowState };
  return (state.deviceFlow ??= {});
};

/** The code `verification_uri_complete` carried, for the input page to show filled in. */
export const prefilledUserCodeOf = (ctx: { state: unknown }): string | undefined => stateOf(ctx).prefilledUserCode;

/** The code entered names no device code: it counts against the address. */
export const markWrongUserCode = (ctx: { state: unknown }): void => {
  stateOf(ctx).wrongUserCode = true;
};

const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');

// A store outage is not the client's fault: the provider behind it reports the outage on its own.
const orElse = async <T>(fallback: T, action: () => Promise<T>): Promise<T> => {
  try {
    return await action();
  } catch {
    return fallback;
  }
};

/** A wait in whole minutes, at least one. */
const minutesOf = (seconds: number): number => Math.max(1, Math.ceil(seconds / 60));

/** The path as oidc-provider's router matches it: any case, one trailing slash allowed. */
const routedPath = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();

const oidcOf = (ctx: Context) => (ctx as unknown as { oidc?: { client?: { clientId: string } } }).oidc;

async function deviceCodeGrantOf(ctx: Context): Promise<string | undefined> {
  if (!ctx.is('application/x-www-form-urlencoded')) return undefined;
  const form = new URLSearchParams((await readAndReplayBody(ctx.req, MAX_FORM_BODY)).toString('utf8'));
  const codes = form.getAll('device_code');
  return form.get('grant_type') === DEVICE_CODE_GRANT && codes.length === 1 ? codes[0] : undefined;
}

/**
 * What oidc-provider's device flow lacks, around its endpoints: the user-code page shows the code
 * from `verification_uri_complete` filled in (instead of posting it by script); wrong user codes
 * are limited per client address; device authorization requests are limited per address, answer
 * with the polling `interval`, and a client without the grant gets `unauthorized_client`; polling
 * faster than the interval gets `slow_down`, and an expired device code `expired_token`.
 */
export function useDeviceFlowGuard(provider: Provider, deps: DeviceFlowGuardDependencies): void {
  if (!deps.config.deviceFlow.enabled) return;
  const limits = limitsFor(deps.store, deps.config);
  const interval = deps.config.deviceFlow.pollIntervalSeconds;

  async function prefillUserCode(ctx: Context, next: Next) {
    const query = new URLSearchParams(ctx.querystring);
    const [given] = query.getAll('user_code');
    if (given !== undefined) {
      stateOf(ctx).prefilledUserCode = given.trim().slice(0, MAX_USER_CODE_LENGTH);
      query.delete('user_code');
      const rest = query.toString();
      rewriteRequestTarget(ctx, rest ? `${ctx.path}?${rest}` : ctx.path);
    }
    await next();
  }

  async function limitWrongCodes(ctx: Context, next: Next) {
    const bucket = addressBucket(ctx.ip);
    const wait = await orElse(0, () => limits.wrongCodes.take(bucket));
    if (wait > 0) {
      emitDeviceFlowEvent(provider, { action: 'device.code_throttled', address: ctx.ip });
      return sendErrorPage(ctx, deps.views, {
        status: 429,
        heading: pageText('error_page.too_many_wrong_codes.heading'),
        message: pageText('error_page.too_many_wrong_codes.message', { count: minutesOf(wait) }),
        code: 'rate_limited',
        retryAfter: wait,
      });
    }
    try {
      await next();
    } finally {
      // Counted before the look-up, so that parallel guesses count too; given back unless it was wrong.
      if (!stateOf(ctx).wrongUserCode) await orElse(undefined, () => limits.wrongCodes.refund(bucket));
    }
  }

  async function deviceAuthorization(ctx: Context, next: Next) {
    const wait = await orElse(0, () => limits.authorizations.take(addressBucket(ctx.ip)));
    if (wait > 0) {
      return answerRefusal(ctx, deps.views, { status: 429, error: 'temporarily_unavailable', description: 'too many device authorization requests from this address', retryAfter: wait }, { asPage: false });
    }
    await next();
    const body = ctx.body as { device_code?: unknown; interval?: number; error?: string; error_description?: string } | undefined;
    const clientId = oidcOf(ctx)?.client?.clientId;
    if (ctx.status === 200 && typeof body?.device_code === 'string' && clientId) {
      body.interval = interval;
      await orElse(undefined, () => limits.issued.remember(`${clientId}:${digest(body.device_code as string)}`));
    } else if (ctx.status === 400 && body?.error === 'invalid_request' && body.error_description === NOT_ALLOWED) {
      // RFC 6749 section 5.2, which RFC 8628 section 3.2 refers to; oidc-provider says invalid_request.
      body.error = 'unauthorized_client';
    }
  }

  async function pollingPace(ctx: Context, next: Next) {
    const deviceCode = await deviceCodeGrantOf(ctx);
    if (deviceCode === undefined) {
      await next();
      return;
    }
    const key = digest(deviceCode);
    const wait = await orElse(0, () => limits.polls.take(key));
    if (wait > 0) {
      return answerRefusal(ctx, deps.views, { status: 400, error: 'slow_down', description: `polling too often: wait at least ${interval} seconds between requests` }, { asPage: false });
    }
    // Gone from the store before this poll: expired (a spent code is still there, until it expires).
    const gone = !(await deps.store.adapterFor('DeviceCode').find(deviceCode));
    await next();
    const body = ctx.body as { error?: string } | undefined;
    const clientId = oidcOf(ctx)?.client?.clientId;
    if (!gone || ctx.status !== 400 || body?.error !== 'invalid_grant' || !clientId) return;
    if (await orElse(false, () => limits.issued.has(`${clientId}:${key}`))) {
      ctx.body = { error: 'expired_token', error_description: 'the device code has expired; start again on the device' };
    }
  }

  const guards: Record<string, (ctx: Context, next: Next) => Promise<void>> = {
    'GET /device': prefillUserCode,
    'POST /device': limitWrongCodes,
    'POST /device/auth': deviceAuthorization,
    'POST /token': pollingPace,
  };
  provider.use(async (ctx, next) => {
    const guard = guards[`${ctx.method} ${routedPath(ctx.path)}`];
    if (guard) await guard(ctx, next);
    else await next();
  });
}
