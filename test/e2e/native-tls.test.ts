import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as http2Connect, constants as http2Constants } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Browser } from '../support/browser.ts';
import { createUser, REDIRECT_URI, signIn } from '../support/flows.ts';
import { http2Request, httpsGet, selfSignedCertificate } from '../support/tls.ts';

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

test('over https every cookie is prefixed: __Host- on Path=/ (no Domain), __Secure- on a narrower path', async () => {
  await createUser(server, 'prefix@example.com');
  const client = await server.services.clients.create({ redirect_uris: [REDIRECT_URI] });
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString();
  const seen: string[] = [];
  const ca = [first.cert, second.cert];
  const browser = new Browser(async (target, init) => {
    const answer = await http2Request(target, ca, init);
    seen.push(...answer.headers.getSetCookie());
    return answer;
  });
  await signIn(browser, { url }, 'prefix@example.com');
  await browser.follow(`${server.issuer}/account`, (next) => next.startsWith(REDIRECT_URI));
  const names = new Set(seen.map((line) => line.split('=')[0]!));
  for (const expected of ['__Host-portcullis.session', '__Secure-portcullis.interaction', '__Secure-portcullis.resume', '__Secure-portcullis.csrf', '__Secure-portcullis.account-flow']) expect(names).toContain(expected);
  for (const line of seen) {
    const name = line.split('=')[0]!;
    expect(name).toMatch(/^__(Host|Secure)-/);
    expect(line).toMatch(/;\s*secure/i);
    expect(line).not.toMatch(/;\s*domain=/i);
    if (name.startsWith('__Host-')) expect(line).toMatch(/;\s*path=\/(;|$)/i);
  }
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

test('HTTP/2 by ALPN: a whole sign-in and code exchange over h2, with Secure cookies and HSTS', async () => {
  const ca = [first.cert, second.cert];
  const discovery = await http2Request(`${server.issuer}/.well-known/openid-configuration`, ca);
  expect(discovery.protocol).toBe('h2');
  expect(discovery.status).toBe(200);
  expect(discovery.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);

  await createUser(server, 'h2@example.com');
  const client = await server.services.clients.create({ redirect_uris: [REDIRECT_URI] });
  const verifier = 'v'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = new URL(`${server.issuer}/auth`);
  url.search = new URLSearchParams({ client_id: client.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', state: 'h2' }).toString();
  const browser = new Browser((target, init) => http2Request(target, ca, init));
  const callback = await signIn(browser, { url }, 'h2@example.com');
  expect(callback.searchParams.get('state')).toBe('h2');
  expect(browser.hasCookie('__Host-portcullis.session')).toBe(true);

  const tokens = await http2Request(`${server.issuer}/token`, ca, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret!}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
  });
  expect(tokens.status).toBe(200);
  expect(JSON.parse(tokens.body)).toMatchObject({ token_type: 'Bearer', id_token: expect.any(String) });
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

describe('slow clients over TLS', () => {
  let slow: TestServer;
  beforeAll(async () => {
    slow = await startTestServer({ TLS_CERT_FILE: first.certFile, TLS_KEY_FILE: first.keyFile, HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '1500' }, { https: true });
  });
  afterAll(() => slow.close());

  test('HTTP/1.1 headers that never end are cut off by the header timeout', async () => {
    const { port } = new URL(slow.issuer);
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ port: Number(port), host: '127.0.0.1', ca: [first.cert], servername: 'localhost', ALPNProtocols: ['http/1.1'] }, () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n'));
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
      socket.on('error', () => undefined);
    });
    expect(outcome).toMatch(/^HTTP\/1\.1 408/);
  });

  test('an HTTP/2 stream whose body trickles without end is cancelled by the request timeout; at most 100 streams a connection', async () => {
    const session = http2Connect(slow.issuer, { ca: [first.cert] });
    await new Promise((resolve) => session.once('remoteSettings', resolve));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(100);
    const stream = session.request({ ':method': 'POST', ':path': '/token', 'content-type': 'application/x-www-form-urlencoded' });
    // One byte every 300 ms: never idle, never done (review: an idle timer alone let this run forever).
    const trickle = setInterval(() => stream.write('a'), 300);
    const started = Date.now();
    const code = await new Promise<number>((resolve) => {
      stream.on('close', () => resolve(stream.rstCode));
      stream.on('error', () => undefined);
      stream.resume();
    });
    clearInterval(trickle);
    session.close();
    expect(code).toBe(http2Constants.NGHTTP2_CANCEL);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
