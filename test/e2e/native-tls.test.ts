import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.ts';
import { httpsGet, selfSignedCertificate } from '../support/tls.ts';

/** TLS_CERT_FILE / TLS_KEY_FILE: the listeners serve HTTPS themselves, TLS 1.2+, reloading changed files. */
const dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-'));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');

const first = selfSignedCertificate('first.portcullis.test');
const second = selfSignedCertificate('second.portcullis.test');
let server: TestServer;

beforeAll(async () => {
  writeFileSync(certFile, first.cert);
  writeFileSync(keyFile, first.key);
  server = await startTestServer({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile }, { https: true });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, options: RequestOptions = {}) => httpsGet(new URL(path, server.issuer).toString(), [first.cert, second.cert], options);

test('discovery over HTTPS names an https issuer, with HSTS', async () => {
  const answer = await get('/.well-known/openid-configuration');
  expect(answer.status).toBe(200);
  expect((JSON.parse(answer.body) as { issuer: string }).issuer).toBe(server.issuer);
  expect(server.issuer).toMatch(/^https:/);
  expect(answer.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(answer.subject).toContain('first.portcullis.test');
});

test('cookies are Secure', async () => {
  const client = await server.services.clients.create({ redirect_uris: ['https://app.example.test/cb'] });
  const query = new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: 'https://app.example.test/cb', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
  const answer = await get(`/auth?${query.toString()}`);
  expect(answer.status).toBe(303);
  const cookies = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
  expect(cookies.length).toBeGreaterThan(0);
  for (const cookie of cookies) expect(cookie).toMatch(/;\s*secure/i);
});

test('TLS 1.1 and plain http are refused', async () => {
  await expect(get('/healthz', { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();
  const plain = await new Promise<string>((resolve) => {
    const req = httpRequest(new URL('/healthz', server.issuer.replace('https:', 'http:')), (res) => resolve(`status ${res.statusCode}`));
    req.on('error', (error) => resolve(`error ${error.message}`));
    req.end();
  });
  expect(plain).not.toBe('status 200');
});

test('new certificate files are served without a restart; files that do not load leave the old pair in use', async () => {
  writeFileSync(keyFile, second.key);
  writeFileSync(certFile, second.cert);
  const deadline = Date.now() + 10_000;
  let subject = '';
  while (!subject.includes('second.portcullis.test') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    subject = (await get('/healthz')).subject;
  }
  expect(subject).toContain('second.portcullis.test');

  writeFileSync(certFile, 'not a certificate');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const answer = await get('/healthz');
  expect(answer.status).toBe(200);
  expect(answer.subject).toContain('second.portcullis.test');
});

test('the admin listener serves HTTPS too', () => {
  expect(server.admin.url).toMatch(/^https:/);
});
