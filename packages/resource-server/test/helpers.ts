/** Test fixtures: a fake issuer (JWKS + introspection over loopback HTTP), token signing, a protected Koa API. */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import Koa from 'koa';
import { Router } from '@koa/router';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { requireAuth } from '../src/adapters/koa.ts';
import { createResourceServer, type ResourceServer, type ResourceServerOptions } from '../src/index.ts';

export const AUDIENCE = 'https://api.example.com';
/** RFC 9728 document URL derived from AUDIENCE, named in every challenge. */
export const METADATA_URL = 'https://api.example.com/.well-known/oauth-protected-resource';

export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<TestServer> {
  const server: Server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SigningKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function makeKey(alg: 'ES256' | 'RS256' | 'PS256' | 'EdDSA', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export type IntrospectionResponder = (token: string) => Record<string, unknown> | { status: number };

/** A fake authorization server: `/jwks` and `/token/introspection`, counting requests. */
export interface FakeIssuer extends TestServer {
  /** Keys published at /jwks (mutable: rotate by reassigning). */
  keys: SigningKey[];
  /** When true /jwks answers 503. */
  jwksDown: boolean;
  jwksRequests: number;
  introspectionRequests: number;
  lastIntrospection: { authorization: string | undefined; body: URLSearchParams } | undefined;
  introspect: IntrospectionResponder;
}

export async function startIssuer(keys: SigningKey[]): Promise<FakeIssuer> {
  const state = {
    keys,
    jwksDown: false,
    jwksRequests: 0,
    introspectionRequests: 0,
    lastIntrospection: undefined as FakeIssuer['lastIntrospection'],
    introspect: ((): Record<string, unknown> => ({ active: false })) as IntrospectionResponder,
  };
  const server = await listen((req, res) => {
    void (async () => {
      if (req.url === '/jwks' && req.method === 'GET') {
        state.jwksRequests += 1;
        if (state.jwksDown) {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: state.keys.map((key) => key.publicJwk) }));
        return;
      }
      if (req.url === '/token/introspection' && req.method === 'POST') {
        state.introspectionRequests += 1;
        const body = new URLSearchParams(await readBody(req));
        state.lastIntrospection = { authorization: req.headers.authorization, body };
        const answer = state.introspect(body.get('token') ?? '');
        if (typeof answer.status === 'number') {
          res.writeHead(answer.status).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
        return;
      }
      res.writeHead(404).end();
    })();
  });
  return Object.assign(state, server);
}

export const now = (): number => Math.floor(Date.now() / 1000);

export interface TokenSpec {
  readonly claims?: JWTPayload;
  readonly header?: Record<string, unknown>;
  /** Claims to delete from the defaults. */
  readonly omit?: readonly string[];
}

/** Signs an RFC 9068 access token for `issuer` with sensible defaults. */
export async function signAccessToken(key: SigningKey, issuer: string, spec: TokenSpec = {}): Promise<string> {
  const claims: JWTPayload = {
    iss: issuer,
    sub: 'user-1',
    aud: AUDIENCE,
    client_id: 'client-1',
    scope: 'openid api:read',
    iat: now(),
    exp: now() + 300,
    jti: randomUUID(),
    ...spec.claims,
  };
  for (const claim of spec.omit ?? []) delete claims[claim];
  const header = { alg: key.alg, typ: 'at+jwt', kid: key.kid, ...spec.header };
  const headerWithoutUndefined = Object.fromEntries(Object.entries(header).filter(([, v]) => v !== undefined));
  return new SignJWT(claims).setProtectedHeader(headerWithoutUndefined as { alg: string }).sign(key.privateKey);
}

export const b64u = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly jkt: string;
}

export async function makeDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk) };
}

export interface ProofSpec {
  readonly htm: string;
  readonly htu: string;
  readonly accessToken: string;
  readonly claims?: JWTPayload;
  /** Sign with this key but embed `embedJwk` instead (to build forged proofs). */
  readonly embedJwk?: JWK;
}

export async function signProof(key: DpopKey, spec: ProofSpec): Promise<string> {
  return new SignJWT({
    htm: spec.htm,
    htu: spec.htu,
    ath: sha256(spec.accessToken),
    iat: now(),
    jti: randomUUID(),
    ...spec.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: spec.embedJwk ?? key.publicJwk })
    .sign(key.privateKey);
}

/** A protected Koa API: GET/POST /protected needs api:read, GET /any needs only a token. */
export interface TestApi extends TestServer {
  readonly rs: ResourceServer;
  request(path: string, init?: RequestInit): Promise<{ status: number; wwwAuthenticate: string | null; body: Record<string, unknown> }>;
}

export interface TestApiSettings {
  /** Koa `app.proxy`: trust X-Forwarded-Host / X-Forwarded-Proto. */
  readonly proxy?: boolean;
}

export async function startApi(options: ResourceServerOptions, settings: TestApiSettings = {}): Promise<TestApi> {
  const rs = createResourceServer(options);
  const router = new Router();
  const reply: Koa.Middleware = (ctx) => {
    ctx.body = { auth: ctx.state.auth as unknown };
  };
  router.get('/protected', requireAuth(rs, 'api:read'), reply);
  router.post('/protected', requireAuth(rs, 'api:read'), reply);
  router.get('/admin', requireAuth(rs, 'api:read', 'api:admin'), reply);
  router.get('/any', requireAuth(rs), reply);
  const app = new Koa({ proxy: settings.proxy === true });
  app.use(router.routes());
  const server = await listen(app.callback());
  return {
    ...server,
    rs,
    async request(path, init) {
      const response = await fetch(`${server.url}${path}`, init);
      const text = await response.text();
      return {
        status: response.status,
        wwwAuthenticate: response.headers.get('www-authenticate'),
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
      };
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/**
 * A request with a verbatim request target and headers, which `fetch` cannot send:
 * a forged `Host`, or an absolute-form target such as `http://evil.example.com/path`.
 */
export function rawRequest(server: TestServer, target: string, headers: Record<string, string>): Promise<RawResponse> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: target, headers, setHost: false }, (res) => {
      void readBody(res).then((text) => {
        resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) });
      }, reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

const REAL_TIMERS = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'requestIdleCallback',
  'cancelIdleCallback',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

/**
 * Freezes `Date` (only `Date`: timers, sockets and fetch keep running) so that
 * cooldowns and expiries are tested by moving the clock instead of sleeping.
 * Undo with {@link realClock}.
 */
export function frozenClock(): { advance(ms: number): void } {
  const { jest } = import.meta;
  jest.useFakeTimers({ doNotFake: [...REAL_TIMERS] });
  jest.setSystemTime(Date.now());
  return { advance: (ms) => jest.setSystemTime(Date.now() + ms) };
}

export function realClock(): void {
  import.meta.jest.useRealTimers();
}
