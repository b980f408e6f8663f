import { jest } from '@jest/globals';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { createTestResources, freePort, type TestResources } from '../support/environment.ts';
import { isCallback, REDIRECT_URI } from '../support/flows.ts';
import { answersOk, PROCESS_TEST_TIMEOUT_MS, ROOT, runNode, startNode, type RunningProcess } from '../support/processes.ts';

/**
 * The product from outside: `npm start` and `npm run cli` as separate processes, exactly as an
 * operator runs them (with the embedded database, the CLI goes through the running server).
 */
jest.setTimeout(PROCESS_TEST_TIMEOUT_MS);
let resources: TestResources;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let server: RunningProcess;
let issuer: string;

const cli = (args: string[], stdin = '', cwd = ROOT) => runNode(join(ROOT, 'src/cli/main.ts'), args, { env, cwd, stdin }).then((result) => ({ ...result, code: result.code ?? -1 }));

beforeAll(async () => {
  resources = await createTestResources();
  dataDir = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  env = { ...process.env, ...resources.env, NODE_OPTIONS: '', PORT: String(port), ISSUER: issuer, HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'development' };
  server = await startNode('src/main.ts', [], { env, isReady: answersOk(`${issuer}/readyz`) });
}, PROCESS_TEST_TIMEOUT_MS);

afterAll(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
  await resources.cleanup();
});

test('user create reads the password from stdin and prints id and email as JSON', async () => {
  const result = await cli(['user', 'create', '--email', 'Cli.User@Example.com', '--password-stdin', '--json'], 'a long enough password\n');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const user = JSON.parse(result.stdout) as { id: string; email: string };
  expect(user.email).toBe('cli.user@example.com');
  expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
});

test('a duplicate email (any case) is one clear error line and a non-zero exit', async () => {
  const result = await cli(['user', 'create', '--email', 'CLI.USER@example.com', '--password-stdin', '--json'], 'another password here');
  expect(result.code).not.toBe(0);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/already exists/);
});

test('a too-short password is refused', async () => {
  const result = await cli(['user', 'create', '--email', 'short@example.com', '--password-stdin'], 'short\n');
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/^error: invalid_input: password must be at least 15 characters \(this one has 5\)$/m);
  const common = await cli(['user', 'create', '--email', 'common@example.com', '--password-stdin'], 'passwordpassword\n');
  expect(common.code).not.toBe(0);
  expect(common.stderr).toMatch(/common or breached/);
});

test('--version, and help <noun>', async () => {
  const version = await cli(['--version']);
  expect(version.code).toBe(0);
  expect(version.stdout).toMatch(/^portcullis \d+\.\d+\.\d+\n$/);
  const help = await cli(['help', 'user']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('usage: user create');
});

test('a --ttl that is not a number names the flag', async () => {
  const result = await cli(['resource', 'create', '--id', 'https://ttl.example', '--scope', 'a:b', '--ttl', 'abc']);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/--ttl must be a whole number of seconds, got "abc"/);
});

test('--help works at every level', async () => {
  for (const args of [['--help'], ['user', '--help'], ['client', 'create', '--help']]) {
    const result = await cli(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/usage/);
  }
});

test('an unknown command fails with one line', async () => {
  const result = await cli(['frobnicate']);
  expect(result.code).not.toBe(0);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
});

test('client create registers from RFC 7591 JSON on stdin, usable at once for a full login', async () => {
  const metadata = { client_name: 'CLI App', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'] };
  const created = await cli(['client', 'create', '--metadata-file', '-', '--json'], JSON.stringify(metadata));
  expect(created.code).toBe(0);
  const registration = JSON.parse(created.stdout) as Record<string, unknown> & { client_id: string; client_secret: string };
  expect(registration).toMatchObject({ client_name: 'CLI App', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'client_secret_basic' });
  expect(registration.client_secret.length).toBeGreaterThanOrEqual(32);
  expect(typeof registration.client_id_issued_at).toBe('number');

  const config = await oidc.discovery(new URL(issuer), registration.client_id, {}, oidc.ClientSecretBasic(registration.client_secret), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
  const browser = new Browser();
  const login = await browser.follow(url.toString(), isCallback);
  const consent = await browser.submit(login, /\/login$/, { email: 'cli.user@example.com', password: 'a long enough password' }, isCallback);
  const callback = isCallback(consent.url) ? consent : await browser.submit(consent, /\/confirm$/, {}, isCallback);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.url), { pkceCodeVerifier: verifier, idTokenExpected: true });
  expect(tokens.claims()?.sub).toBeDefined();

  const shown = await cli(['client', 'show', registration.client_id, '--json']);
  expect(JSON.parse(shown.stdout)).not.toHaveProperty('client_secret');
  const listed = await cli(['client', 'list', '--json']);
  expect((JSON.parse(listed.stdout) as Array<{ client_id: string }>).map((c) => c.client_id)).toContain(registration.client_id);
  const deleted = await cli(['client', 'delete', registration.client_id]);
  expect(deleted.code).toBe(0);
  await expect(oidc.clientCredentialsGrant(config)).rejects.toBeDefined();
});

test('client create refuses implicit flows and invalid metadata with one line', async () => {
  for (const metadata of [
    { redirect_uris: [REDIRECT_URI], response_types: ['token'] },
    { redirect_uris: [REDIRECT_URI], grant_types: ['password'] },
    { redirect_uris: ['not a url'] },
  ]) {
    const result = await cli(['client', 'create', '--metadata-file', '-', '--json'], JSON.stringify(metadata));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/invalid_client_metadata/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  }
  const notJson = await cli(['client', 'create', '--metadata-file', '-'], '{nope');
  expect(notJson.code).not.toBe(0);
});

test('user list, disable and set-password', async () => {
  const listed = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as Array<{ email: string; disabled: boolean }>;
  expect(listed.map((u) => u.email)).toContain('cli.user@example.com');
  const changed = await cli(['user', 'set-password', 'cli.user@example.com', '--password-stdin'], 'a brand new password\n');
  expect(changed.code).toBe(0);
  const disabled = await cli(['user', 'disable', 'cli.user@example.com', '--json']);
  expect(JSON.parse(disabled.stdout)).toMatchObject({ email: 'cli.user@example.com', disabled: true });
  const missing = await cli(['user', 'disable', 'nobody@example.com']);
  expect(missing.code).not.toBe(0);
});

test('resource create, list and delete', async () => {
  const created = await cli(['resource', 'create', '--id', 'https://api.cli.test', '--scope', 'api:read', '--scope', 'api:write', '--json']);
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ id: 'https://api.cli.test', scopes: ['api:read', 'api:write'], name: null, scope_descriptions: {}, user_access: 'listed-clients' });
  const mcp = await cli(['resource', 'create', '--id', 'https://mcp.cli.test/mcp', '--scope', 'mcp:tools', '--user-access', 'any-client', '--json']);
  expect(JSON.parse(mcp.stdout)).toMatchObject({ id: 'https://mcp.cli.test/mcp', user_access: 'any-client' });
  const wrong = await cli(['resource', 'update', 'https://mcp.cli.test/mcp', '--user-access', 'everyone']);
  expect(wrong.code).toBe(2);
  expect(JSON.parse((await cli(['resource', 'update', 'https://mcp.cli.test/mcp', '--user-access', 'listed-clients', '--json'])).stdout)).toMatchObject({ user_access: 'listed-clients' });
  const described = await cli(['resource', 'update', 'https://api.cli.test', '--name', 'CLI API', '--scope-description', 'api:read=Read your things', '--json']);
  expect(described.stderr).toBe('');
  expect(JSON.parse(described.stdout)).toMatchObject({ name: 'CLI API', scope_descriptions: { 'api:read': 'Read your things' } });
  const malformed = await cli(['resource', 'update', 'https://api.cli.test', '--scope-description', 'no-equals-sign']);
  expect(malformed.code).toBe(2);
  expect(malformed.stderr).toMatch(/<scope>=<text>/);
  const listed = JSON.parse((await cli(['resource', 'list', '--json'])).stdout) as Array<{ id: string }>;
  expect(listed.map((r) => r.id)).toContain('https://api.cli.test');
  expect((await cli(['resource', 'delete', 'https://api.cli.test'])).code).toBe(0);
  expect((await cli(['resource', 'delete', 'https://api.cli.test'])).code).not.toBe(0);
});

test('a metadata file path is read where the CLI runs, not where the server runs', async () => {
  const elsewhere = await mkdtemp(join(tmpdir(), 'portcullis-cwd-'));
  try {
    await writeFile(join(elsewhere, 'client.json'), JSON.stringify({ client_name: 'From File', redirect_uris: [REDIRECT_URI] }));
    const created = await cli(['client', 'create', '--metadata-file', 'client.json', '--json'], '', elsewhere);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({ client_name: 'From File' });
    const missing = await cli(['client', 'create', '--metadata-file', 'nope.json'], '', elsewhere);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nope\.json/);
  } finally {
    await rm(elsewhere, { recursive: true, force: true });
  }
});

test('the data folder is private to this OS user', async () => {
  expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
});


test('API access is set by scope and audience, changed in place by client update, and secrets rotate', async () => {
  expect((await cli(['resource', 'create', '--id', 'https://api.rotate.test', '--scope', 'r:read', '--scope', 'r:write'])).code).toBe(0);
  const metadata = { client_name: 'Job', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'r:read', audience: ['https://api.rotate.test'] };
  const created = JSON.parse((await cli(['client', 'create', '--metadata-file', '-', '--json'], JSON.stringify(metadata))).stdout) as { client_id: string; client_secret: string };
  const connect = (secret: string) => oidc.discovery(new URL(issuer), created.client_id, {}, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
  const config = await connect(created.client_secret);
  await expect(oidc.clientCredentialsGrant(config, { resource: 'https://api.rotate.test', scope: 'r:read' })).resolves.toBeDefined();
  await expect(oidc.clientCredentialsGrant(config, { resource: 'https://api.rotate.test', scope: 'r:write' })).rejects.toMatchObject({ error: 'invalid_scope' });

  const updated = await cli(['client', 'update', created.client_id, '--metadata-file', '-', '--json'], JSON.stringify({ scope: 'r:read r:write' }));
  expect(updated.code).toBe(0);
  expect(JSON.parse(updated.stdout)).toMatchObject({ client_id: created.client_id, scope: 'r:read r:write', audience: ['https://api.rotate.test'] });
  await expect(oidc.clientCredentialsGrant(config, { resource: 'https://api.rotate.test', scope: 'r:write' })).resolves.toBeDefined();

  const showSecret = await cli(['client', 'show', created.client_id, '--show-secret']);
  expect(showSecret.code).not.toBe(0);
  expect(showSecret.stderr).toMatch(/rotate-secret/);

  const rotated = JSON.parse((await cli(['client', 'rotate-secret', created.client_id, '--json'])).stdout) as { client_secret: string };
  expect(rotated.client_secret).not.toBe(created.client_secret);
  await expect(oidc.clientCredentialsGrant(config, { resource: 'https://api.rotate.test', scope: 'r:read' })).rejects.toBeDefined();
  await expect(oidc.clientCredentialsGrant(await connect(rotated.client_secret), { resource: 'https://api.rotate.test', scope: 'r:read' })).resolves.toBeDefined();
});

test('client create refuses a public client_credentials client and a UUID client_id', async () => {
  for (const metadata of [
    { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none', redirect_uris: [], response_types: [] },
    { client_id: '6f1c3b9e-2d4a-4f8b-9c0d-1e2f3a4b5c6d', redirect_uris: [REDIRECT_URI] },
  ]) {
    const result = await cli(['client', 'create', '--metadata-file', '-'], JSON.stringify(metadata));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/invalid_client_metadata/);
  }
});

test('user sign-out and delete', async () => {
  await cli(['user', 'create', '--email', 'leaving@example.com', '--password-stdin'], 'a long enough password\n');
  const signedOut = await cli(['user', 'sign-out', 'leaving@example.com', '--json']);
  expect(signedOut.code).toBe(0);
  expect(JSON.parse(signedOut.stdout)).toMatchObject({ email: 'leaving@example.com' });
  expect((await cli(['user', 'delete', 'leaving@example.com'])).code).toBe(0);
  const listed = JSON.parse((await cli(['user', 'list', '--json'])).stdout) as Array<{ email: string }>;
  expect(listed.map((u) => u.email)).not.toContain('leaving@example.com');
  expect((await cli(['user', 'delete', 'leaving@example.com'])).code).not.toBe(0);
});
