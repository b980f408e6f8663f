import type { Middleware } from 'koa';
import type * as PromClient from 'prom-client';

/**
 * Prometheus metrics of one process, served on the admin listener. Labels are bounded: grant types,
 * outcomes, methods, route templates and status classes; never a client id, user id or raw path.
 */
export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
  tokenIssued(grantType: string): void;
  login(outcome: LoginOutcome): void;
  /** Times requests by route template: `routeOf` names a fixed template, or undefined for "other". */
  httpMiddleware(routeOf: (ctx: Parameters<Middleware>[0]) => string | undefined): Middleware;
}

export type LoginOutcome = 'success' | 'failure' | 'throttled' | 'busy';

const KNOWN_GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange', 'urn:openid:params:grant-type:ciba']);

export async function createMetrics(): Promise<Metrics> {
  const prom: typeof PromClient = await import('prom-client');
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const tokens = new prom.Counter({ name: 'portcullis_tokens_issued_total', help: 'Token responses issued, by grant type', labelNames: ['grant_type'], registers: [registry] });
  const logins = new prom.Counter({ name: 'portcullis_logins_total', help: 'Password sign-in attempts, by outcome', labelNames: ['outcome'], registers: [registry] });
  const duration = new prom.Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP request duration, by method, route template and status class',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    tokenIssued: (grantType) => tokens.inc({ grant_type: KNOWN_GRANT_TYPES.has(grantType) ? grantType : 'other' }),
    login: (outcome) => logins.inc({ outcome }),
    httpMiddleware(routeOf) {
      return async function timeRequest(ctx, next) {
        const stop = duration.startTimer();
        ctx.res.once('finish', () => {
          stop({ method: METHODS.has(ctx.method) ? ctx.method : 'OTHER', route: routeOf(ctx) ?? 'other', status_class: `${Math.floor(ctx.res.statusCode / 100)}xx` });
        });
        await next();
      };
    },
  };
}
