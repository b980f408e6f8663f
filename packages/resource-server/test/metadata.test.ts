/** RFC 9728: the protected resource metadata document, where it is served, and the challenges naming it. */
import { createResourceServer, resourceMetadataUrl, ResourceServerConfigError, type ResourceServerOptions } from '../src/index.ts';
import {
  AUDIENCE,
  bearer,
  makeDpopKey,
  makeKey,
  METADATA_URL,
  signAccessToken,
  signProof,
  startApi,
  startIssuer,
  type FakeIssuer,
  type SigningKey,
  type TestApi,
} from './helpers.ts';

const ISSUER = 'https://auth.example.com';

test.each([
  ['https://mcp.example.com', 'https://mcp.example.com/.well-known/oauth-protected-resource'],
  ['https://mcp.example.com/', 'https://mcp.example.com/.well-known/oauth-protected-resource'],
  ['https://mcp.example.com/mcp', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
  ['https://example.com/public/mcp', 'https://example.com/.well-known/oauth-protected-resource/public/mcp'],
  ['https://mcp.example.com:8443/a/', 'https://mcp.example.com:8443/.well-known/oauth-protected-resource/a/'],
  ['HTTPS://MCP.Example.COM/mcp', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
])('the metadata URL of %s is %s (RFC 9728 §3.1: inserted between host and path)', (resource, url) => {
  expect(resourceMetadataUrl(resource)).toBe(url);
});

describe('the document', () => {
  test('defaults: resource = audience, authorization_servers = [issuer], header only', () => {
    const rs = createResourceServer({ issuer: ISSUER, audience: 'https://mcp.example.com/mcp' });
    expect(rs.resource).toBe('https://mcp.example.com/mcp');
    expect(rs.resourceMetadataUrl).toBe('https://mcp.example.com/.well-known/oauth-protected-resource/mcp');
    expect(rs.resourceMetadata).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
    });
    // Path-inserted first (where MCP clients look first), then the root.
    expect(rs.resourceMetadataPaths).toEqual(['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
  });

  test('every field, and dpop_signing_alg_values_supported where DPoP is on', () => {
    const rs = createResourceServer({
      issuer: ISSUER,
      audience: ['https://other.example.com', 'https://mcp.example.com/mcp'],
      publicUrl: 'https://mcp.example.com',
      dpopAlgorithms: ['ES256', 'EdDSA'],
      resourceMetadata: {
        resource: 'https://mcp.example.com/mcp',
        authorizationServers: [ISSUER, 'https://auth2.example.com'],
        scopesSupported: ['mcp:tools', 'mcp:resources'],
        resourceName: 'Example MCP server',
        resourceDocumentation: 'https://docs.example.com/mcp',
        serveAtRoot: false,
      },
    });
    expect(rs.resourceMetadata).toEqual({
      resource: 'https://mcp.example.com/mcp',
      authorization_servers: [ISSUER, 'https://auth2.example.com'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools', 'mcp:resources'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
      resource_name: 'Example MCP server',
      resource_documentation: 'https://docs.example.com/mcp',
    });
    expect(rs.resourceMetadataPaths).toEqual(['/.well-known/oauth-protected-resource/mcp']);
  });

  test('a resource without a path is served at the root only', () => {
    const rs = createResourceServer({ issuer: ISSUER, audience: 'https://api.example.com' });
    expect(rs.resourceMetadataPaths).toEqual(['/.well-known/oauth-protected-resource']);
  });

  test('off for an audience that is not a URL, or with resourceMetadata: false', () => {
    for (const options of [
      { issuer: ISSUER, audience: 'urn:example:api' },
      { issuer: ISSUER, audience: 'https://api.example.com', resourceMetadata: false as const },
    ]) {
      const rs = createResourceServer(options);
      expect(rs.resourceMetadata).toBeUndefined();
      expect(rs.resourceMetadataUrl).toBeUndefined();
      expect(rs.resourceMetadataPaths).toEqual([]);
      expect(rs.metadataAnswer('GET', '/.well-known/oauth-protected-resource')).toBeUndefined();
    }
  });

  test.each<[string, Partial<ResourceServerOptions>]>([
    ['resourceMetadata.resource', { resourceMetadata: { resource: 'https://elsewhere.example.com' } }],
    ['resourceMetadata.resource', { resourceMetadata: { resource: 'https://api.example.com?x=1' } }],
    ['resourceMetadata.resource (default: audience)', { audience: 'urn:example:api', resourceMetadata: {} }],
    ['resourceMetadata.scopesSupported', { resourceMetadata: { scopesSupported: ['a b'] } }],
    ['resourceMetadata.authorizationServers', { resourceMetadata: { authorizationServers: [] } }],
    ['resourceMetadata.authorizationServers[0]', { resourceMetadata: { authorizationServers: ['auth.example.com'] } }],
    ['resourceMetadata.resourceDocumentation', { resourceMetadata: { resourceDocumentation: 'docs' } }],
    ['resourceMetadata.serveAtRoot', { resourceMetadata: { serveAtRoot: 'no' as never } }],
    ['resourceMetadata.scopes', { resourceMetadata: { scopes: ['a'] } as never }],
    ['resourceMetadata', { resourceMetadata: true as never }],
  ])('invalid option %s is named', (option, overrides) => {
    let error: unknown;
    try {
      createResourceServer({ issuer: ISSUER, audience: 'https://api.example.com', ...overrides });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ResourceServerConfigError);
    expect((error as ResourceServerConfigError).option).toBe(option);
  });
});

describe('metadataAnswer', () => {
  const rs = createResourceServer({ issuer: ISSUER, audience: 'https://mcp.example.com/mcp' });

  test('GET and HEAD: public, cacheable JSON, readable cross-origin', () => {
    for (const method of ['GET', 'HEAD', 'get']) {
      const answer = rs.metadataAnswer(method, '/.well-known/oauth-protected-resource/mcp?x=1');
      expect(answer?.status).toBe(200);
      expect(answer?.headers).toEqual({
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=3600',
        'access-control-allow-origin': '*',
      });
      expect(JSON.parse(answer?.body ?? '')).toEqual(rs.resourceMetadata);
    }
    expect(rs.metadataAnswer('GET', '/.well-known/oauth-protected-resource')?.status).toBe(200);
    expect(rs.metadataAnswer('GET', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp')?.status).toBe(200);
  });

  test('OPTIONS answers a CORS preflight (MCP clients send MCP-Protocol-Version), other methods 405', () => {
    const preflight = rs.metadataAnswer('OPTIONS', '/.well-known/oauth-protected-resource/mcp');
    expect(preflight).toMatchObject({ status: 204, body: '' });
    expect(preflight?.headers).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' });
    const post = rs.metadataAnswer('POST', '/.well-known/oauth-protected-resource/mcp');
    expect(post).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD, OPTIONS' } });
  });

  test('any other path is not a metadata request', () => {
    for (const path of [
      '/mcp',
      '/.well-known/oauth-protected-resource/other',
      '/.well-known/oauth-protected-resource/mcp/',
      '/x/.well-known/oauth-protected-resource',
    ]) {
      expect(rs.metadataAnswer('GET', path)).toBeUndefined();
    }
  });
});

describe('challenges name the metadata and the scopes (MCP authorization, RFC 9728 §5.1)', () => {
  let key: SigningKey;
  let issuer: FakeIssuer;
  let api: TestApi;

  beforeAll(async () => {
    key = await makeKey('ES256', 'es-1');
    issuer = await startIssuer([key]);
    api = await startApi({ issuer: issuer.url, audience: AUDIENCE, publicUrl: 'https://api.example.com' });
  });
  afterAll(async () => {
    await api.close();
    await issuer.close();
  });

  test("401 without a token: the route's scope and resource_metadata, no error code", async () => {
    const res = await api.request('/admin');
    expect(res.status).toBe(401);
    expect(res.wwwAuthenticate).toBe(`Bearer realm="${AUDIENCE}", scope="api:read api:admin", resource_metadata="${METADATA_URL}"`);
  });

  test('401 for an expired token: the same, with the error', async () => {
    const token = await signAccessToken(key, issuer.url, { claims: { exp: Math.floor(Date.now() / 1000) - 60 } });
    const res = await api.request('/protected', bearer(token));
    expect(res.status).toBe(401);
    expect(res.wwwAuthenticate).toBe(
      `Bearer realm="${AUDIENCE}", error="invalid_token", error_description="access token expired", scope="api:read", resource_metadata="${METADATA_URL}"`,
    );
  });

  test('403 insufficient_scope names every scope the route needs (step-up)', async () => {
    const token = await signAccessToken(key, issuer.url, { claims: { scope: 'api:read' } });
    const res = await api.request('/admin', bearer(token));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'access token lacks a required scope' });
    expect(res.wwwAuthenticate).toBe(
      `Bearer realm="${AUDIENCE}", error="insufficient_scope", error_description="access token lacks a required scope", scope="api:read api:admin", resource_metadata="${METADATA_URL}"`,
    );
  });

  test('a route needing no scope: resource_metadata only', async () => {
    const res = await api.request('/any');
    expect(res.wwwAuthenticate).toBe(`Bearer realm="${AUDIENCE}", resource_metadata="${METADATA_URL}"`);
  });

  test('the DPoP challenge carries them too', async () => {
    const holder = await makeDpopKey();
    const token = await signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt }, scope: 'openid' } });
    const proof = await signProof(holder, { htm: 'GET', htu: 'https://api.example.com/protected', accessToken: token });
    const res = await api.request('/protected', { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    expect(res.status).toBe(403);
    expect(res.wwwAuthenticate).toMatch(
      new RegExp(
        `^DPoP realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="api:read", resource_metadata="${METADATA_URL.replace(/[./]/g, '\\$&')}", algs="[^"]+"$`,
      ),
    );
  });

  test('resourceMetadata: false leaves resource_metadata out', async () => {
    const plain = await startApi({ issuer: issuer.url, audience: AUDIENCE, resourceMetadata: false });
    try {
      expect((await plain.request('/protected')).wwwAuthenticate).toBe(`Bearer realm="${AUDIENCE}", scope="api:read"`);
    } finally {
      await plain.close();
    }
  });
});
