/**
 * The framework adapters, each in a real app of its framework (typed against the framework's own
 * types: this file is type-checked): a valid token gets through with the auth info, a missing one
 * gets 401 naming the metadata, a wrong scope 403, the metadata is served, and a DPoP proof is
 * checked against the path the client called, mount prefixes included.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from '@koa/router';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import Koa from 'koa';
import * as expressAdapter from '../src/adapters/express.ts';
import * as fastifyAdapter from '../src/adapters/fastify.ts';
import * as koaAdapter from '../src/adapters/koa.ts';
import * as nodeAdapter from '../src/adapters/node.ts';
import { createResourceServer, type AuthInfo, type ResourceServer } from '../src/index.ts';
import {
  makeDpopKey,
  makeKey,
  signAccessToken,
  signProof,
  startIssuer,
  type DpopKey,
  type FakeIssuer,
  type SigningKey,
  type TestServer,
} from './helpers.ts';

const RESOURCE = 'https://mcp.example.com/mcp';
const PUBLIC_URL = 'https://mcp.example.com';
const METADATA_URL = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

let key: SigningKey;
let issuer: FakeIssuer;
let holder: DpopKey;
let rs: ResourceServer;

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  issuer = await startIssuer([key]);
  holder = await makeDpopKey();
  rs = createResourceServer({
    issuer: issuer.url,
    audience: RESOURCE,
    publicUrl: PUBLIC_URL,
    resourceMetadata: { scopesSupported: ['orders:read'], resourceName: 'Orders' },
  });
});
afterAll(() => issuer.close());

const reply = (auth: AuthInfo | undefined) => ({ sub: auth?.sub, scopes: auth?.scopes, path: 'ok' });

async function listenOn(server: Server): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function startExpress(): Promise<TestServer> {
  const { authOf, protectedResourceMetadata, requireAuth } = expressAdapter;
  const app = express();
  app.use(protectedResourceMetadata(rs));
  app.get('/orders', requireAuth(rs, 'orders:read'), (req, res) => {
    res.json(reply(authOf(req)));
  });
  const api = express.Router();
  api.get('/orders', requireAuth(rs, 'orders:read'), (req, res) => {
    res.json(reply((req as { auth?: AuthInfo }).auth)); // what JavaScript handlers read: req.auth
  });
  app.use('/api', api);
  return listenOn(createServer(app));
}

async function startFastify(): Promise<TestServer> {
  const { authOf, protectedResourceMetadata, requireAuth } = fastifyAdapter;
  const app: FastifyInstance = Fastify();
  await app.register(protectedResourceMetadata(rs));
  app.get('/orders', { preHandler: requireAuth(rs, 'orders:read') }, async (request) => reply(authOf(request)));
  await app.register(
    async (api) => {
      api.addHook('preHandler', requireAuth(rs, 'orders:read'));
      api.get('/orders', async (request) => reply(authOf(request)));
    },
    { prefix: '/api' },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

function startKoa(): Promise<TestServer> {
  const { protectedResourceMetadata, requireAuth } = koaAdapter;
  const router = new Router();
  router.get('/orders', requireAuth(rs, 'orders:read'), (ctx) => {
    ctx.body = reply(ctx.state.auth);
  });
  const api = new Router({ prefix: '/api' });
  api.get('/orders', requireAuth(rs, 'orders:read'), (ctx) => {
    ctx.body = reply(ctx.state.auth);
  });
  const handle = new Koa().use(protectedResourceMetadata(rs)).use(router.routes()).use(api.routes()).callback();
  return listenOn(createServer((req, res) => void handle(req, res)));
}

function startNode(): Promise<TestServer> {
  const { authenticate, protectedResourceMetadata } = nodeAdapter;
  const serveMetadata = protectedResourceMetadata(rs);
  const server = createServer((req, res) => {
    void (async () => {
      if (serveMetadata(req, res)) return;
      if (req.url !== '/orders' && req.url !== '/api/orders') {
        res.writeHead(404).end();
        return;
      }
      const auth = await authenticate(rs, req, res, 'orders:read');
      if (!auth) return;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(reply(auth)));
    })();
  });
  return listenOn(server);
}

describe.each([
  ['Express', startExpress],
  ['Fastify', startFastify],
  ['Koa', startKoa],
  ['node:http', startNode],
])('%s', (_name, start) => {
  let app: TestServer;
  beforeAll(async () => {
    app = await start();
  });
  afterAll(() => app.close());

  const call = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${app.url}${path}`, { method, headers });

  test('a valid token: 200 with the auth info (first verified, then cached)', async () => {
    const token = await signAccessToken(key, issuer.url, { claims: { aud: RESOURCE, scope: 'orders:read' } });
    for (let i = 0; i < 2; i += 1) {
      const res = await call('/orders', { authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: 'user-1', scopes: ['orders:read'], path: 'ok' });
    }
  });

  test('no token: 401, the challenge names the scope and the metadata', async () => {
    const res = await call('/orders');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${RESOURCE}", scope="orders:read", resource_metadata="${METADATA_URL}"`,
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'access token required' });
  });

  test('a token without the scope: 403 insufficient_scope', async () => {
    const token = await signAccessToken(key, issuer.url, { claims: { aud: RESOURCE, scope: 'openid' } });
    const res = await call('/orders', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(res.headers.get('www-authenticate')).toContain(`scope="orders:read", resource_metadata="${METADATA_URL}"`);
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_scope');
  });

  test('a malformed header: 400 invalid_request', async () => {
    expect((await call('/orders', { authorization: 'Bearer a b' })).status).toBe(400);
  });

  test('the metadata document, path-inserted and at the root; HEAD and the CORS preflight', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({
        resource: RESOURCE,
        authorization_servers: [issuer.url],
        bearer_methods_supported: ['header'],
        scopes_supported: ['orders:read'],
        dpop_signing_alg_values_supported: ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'PS256', 'RS256'],
        resource_name: 'Orders',
      });
    }
    const head = await call('/.well-known/oauth-protected-resource/mcp', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const preflight = await call(
      '/.well-known/oauth-protected-resource/mcp',
      { origin: 'https://app.example', 'access-control-request-method': 'GET' },
      'OPTIONS',
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('DPoP: the proof names the path the client called, mount prefix included', async () => {
    const token = await signAccessToken(key, issuer.url, { claims: { aud: RESOURCE, scope: 'orders:read', cnf: { jkt: holder.jkt } } });
    const proofFor = (htu: string) => signProof(holder, { htm: 'GET', htu, accessToken: token });
    const ok = await call('/api/orders', { authorization: `DPoP ${token}`, dpop: await proofFor(`${PUBLIC_URL}/api/orders`) });
    expect(ok.status).toBe(200);
    // A proof for the path inside the mount is for another URL.
    const wrong = await call('/api/orders', { authorization: `DPoP ${token}`, dpop: await proofFor(`${PUBLIC_URL}/orders`) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_dpop_proof".*resource_metadata=/);
  });
});

test('authOf() says when requireAuth() did not run', () => {
  expect(() => expressAdapter.authOf({})).toThrow(/requireAuth/);
  expect(() => fastifyAdapter.authOf({})).toThrow(/requireAuth/);
});
