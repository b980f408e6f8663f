import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDemoApi } from '../../src/demo-api/app.ts';
import { readConfig } from '../../src/demo-api/config.ts';
import {
  AUDIENCE,
  bearer,
  listen,
  makeDpopKey,
  makeKey,
  signAccessToken,
  signProof,
  startIssuer,
  type FakeIssuer,
  type SigningKey,
  type TestServer,
} from '../../packages/resource-server/test/helpers.ts';

let key: SigningKey;
let issuer: FakeIssuer;
let demo: TestServer;

beforeAll(async () => {
  key = await makeKey('RS256', 'rsa-1');
  issuer = await startIssuer([key, await makeKey('ES256', 'es-1')]);
  demo = await listen(createDemoApi({ issuer: issuer.url, audience: AUDIENCE }).callback());
});

afterAll(async () => {
  await demo.close();
  await issuer.close();
});

async function get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${demo.url}${path}`, init);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

test('GET /healthz', async () => {
  const res = await get('/healthz');
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ status: 'ok' });
});

test('GET /protected without a token => 401 Bearer challenge naming the scope and the metadata', async () => {
  const res = await get('/protected');
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe(
    'Bearer realm="https://api.example.com", scope="api:read", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
  );
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
});

test('GET /.well-known/oauth-protected-resource => the RFC 9728 document', async () => {
  const res = await get('/.well-known/oauth-protected-resource');
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
  expect(res.body).toEqual({ resource: AUDIENCE, authorization_servers: [issuer.url], bearer_methods_supported: ['header'] });
});

test('GET /protected with an invalid token => 401 invalid_token', async () => {
  const res = await get('/protected', bearer(`${await signAccessToken(key, issuer.url)}x`));
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
});

test('GET /protected with a token lacking api:read => 403 insufficient_scope', async () => {
  const res = await get('/protected', bearer(await signAccessToken(key, issuer.url, { claims: { scope: 'openid profile' } })));
  expect(res.status).toBe(403);
  expect(res.body).toMatchObject({ error: 'insufficient_scope' });
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope".*scope="api:read"/);
});

test('GET /protected with a valid token => 200 { sub, client_id, scope }', async () => {
  const res = await get('/protected', bearer(await signAccessToken(key, issuer.url, { claims: { scope: 'openid api:read' } })));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ sub: 'user-1', client_id: 'client-1', scope: 'openid api:read' });
});

test('client-credentials token without sub => sub is the client_id', async () => {
  const res = await get(
    '/protected',
    bearer(await signAccessToken(key, issuer.url, { omit: ['sub'], claims: { client_id: 'svc-9', scope: 'api:read' } })),
  );
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ sub: 'svc-9', client_id: 'svc-9', scope: 'api:read' });
});

test('a DPoP-bound token is checked against the configured publicUrl, not the Host it reached', async () => {
  const publicUrl = 'https://api.example.com';
  const dpopDemo = await listen(createDemoApi({ issuer: issuer.url, audience: AUDIENCE, publicUrl }).callback());
  try {
    const holder = await makeDpopKey();
    const token = await signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt } } });
    const call = async (htu: string) => {
      const proof = await signProof(holder, { htm: 'GET', htu, accessToken: token });
      return fetch(`${dpopDemo.url}/protected`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    };
    expect((await call(`${publicUrl}/protected`)).status).toBe(200);
    expect((await call(`${dpopDemo.url}/protected`)).status).toBe(401);
  } finally {
    await dpopDemo.close();
  }
});

test('unknown route => 404 JSON', async () => {
  const res = await get('/nope');
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ error: 'not_found', error_description: 'no such route' });
});

describe('readConfig', () => {
  test('missing ISSUER and AUDIENCE are each reported, naming the variable', () => {
    const result = readConfig({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(2);
    expect(result.errors[0]).toMatch(/^ISSUER /);
    expect(result.errors[1]).toMatch(/^AUDIENCE /);
  });

  test('invalid PORT / ISSUER / PUBLIC_URL and half-configured introspection', () => {
    const result = readConfig({
      PORT: '70000',
      ISSUER: 'localhost:3000',
      AUDIENCE: 'a',
      PUBLIC_URL: 'api.example.com',
      INTROSPECTION_CLIENT_ID: 'x',
    });
    expect(result.ok ? [] : result.errors.map((line) => line.split(' ')[0])).toEqual([
      'PORT',
      'ISSUER',
      'PUBLIC_URL',
      'INTROSPECTION_CLIENT_SECRET',
    ]);
  });

  test('PUBLIC_URL defaults to http://localhost:$PORT and can be set', () => {
    const publicUrlOf = (env: Record<string, string>) => {
      const result = readConfig({ ISSUER: 'http://localhost:3000', AUDIENCE: AUDIENCE, ...env });
      return result.ok ? result.config.options.publicUrl : result.errors;
    };
    expect(publicUrlOf({})).toBe('http://localhost:4000');
    expect(publicUrlOf({ PORT: '8080' })).toBe('http://localhost:8080');
    expect(publicUrlOf({ PORT: '8080', PUBLIC_URL: 'https://api.example.com' })).toBe('https://api.example.com');
  });

  test('defaults and introspection endpoint', () => {
    expect(readConfig({ ISSUER: 'http://localhost:3000', AUDIENCE: AUDIENCE })).toEqual({
      ok: true,
      config: { port: 4000, options: { issuer: 'http://localhost:3000', audience: AUDIENCE, publicUrl: 'http://localhost:4000' } },
    });
    const result = readConfig({
      PORT: '0',
      ISSUER: 'http://localhost:3000/',
      AUDIENCE: AUDIENCE,
      INTROSPECTION_CLIENT_ID: 'rs',
      INTROSPECTION_CLIENT_SECRET: 'pw',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        port: 0,
        options: {
          issuer: 'http://localhost:3000/',
          audience: AUDIENCE,
          publicUrl: 'http://localhost:0',
          introspection: { endpoint: 'http://localhost:3000/token/introspection', clientId: 'rs', clientSecret: 'pw' },
        },
      },
    });
  });
});

describe('main.ts process', () => {
  const mainPath = fileURLToPath(new URL('../../src/demo-api/main.ts', import.meta.url));

  function run(env: Record<string, string>, onStdout?: (line: string, kill: () => void) => void) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [mainPath], { env: { PATH: process.env.PATH ?? '', ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        onStdout?.(stdout, () => child.kill('SIGTERM'));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  test('exits 1 with one line per missing variable', async () => {
    const { code, stderr } = await run({});
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('ISSUER');
    expect(lines[1]).toContain('AUDIENCE');
  });

  test('listens, logs one pino line, and exits 0 on SIGTERM', async () => {
    let port: number | undefined;
    let status: number | undefined;
    const { code, stdout } = await run({ PORT: '0', ISSUER: issuer.url, AUDIENCE: AUDIENCE }, (out, kill) => {
      if (port !== undefined || !out.includes('\n')) return;
      port = (JSON.parse(out.split('\n')[0] ?? '{}') as { port: number }).port;
      void fetch(`http://127.0.0.1:${port}/healthz`).then((r) => {
        status = r.status;
        kill();
      });
    });
    expect(code).toBe(0);
    expect(status).toBe(200);
    expect(JSON.parse(stdout.split('\n')[0] ?? '')).toMatchObject({ level: 30, msg: 'demo API listening', issuer: issuer.url });
  });
});
