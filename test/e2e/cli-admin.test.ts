import { jest } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { createTestResources, freePort, usingRedis, type TestResources } from '../support/environment.ts';
import { authorizationRequest, exchange, REDIRECT_URI, signIn } from '../support/flows.ts';
import { answersOk, PROCESS_TEST_TIMEOUT_MS, ROOT, runNode, startNode, type RunningProcess } from '../support/processes.ts';

/**
 * The CLI's admin commands from outside, as separate processes: first before any server ever ran
 * (the CLI is how the first admin client is made), then with `npm start` running (with the embedded
 * database the CLI then runs inside the server; with PostgreSQL in a process of its own). What the
 * CLI changes is what the admin API and the protocol endpoints see, and it is audited as "cli".
 */
jest.setTimeout(PROCESS_TEST_TIMEOUT_MS);
const ADMIN_RESOURCE = 'urn:portcullis:admin';
let resources: TestResources;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let issuer: string;
let adminUrl: string;
let server: RunningProcess | undefined;

interface Registration {
  client_id: string;
  client_secret: string;
  [field: string]: unknown;
}

const cli = (args: string[], stdin = '') =>
  runNode(join(ROOT, 'src/cli/main.ts'), args, { env, stdin }).then((result) => ({ ...result, code: result.code ?? -1 }));

/** Runs a command that must succeed, with nothing on stderr. */
async function ok(args: string[], stdin = '') {
  const result = await cli(args, stdin);
  if (result.code !== 0 || result.stderr !== '') throw new Error(`cli ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

const okJson = async <T = Record<string, unknown>>(args: string[], stdin = ''): Promise<T> =>
  JSON.parse(await ok([...args, '--json'], stdin)) as T;

async function eventually(check: () => Promise<boolean>, withinMs = 10_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const basic = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

const requestAdminToken = (clientId: string, secret: string, scope = 'admin:read') =>
  fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: ADMIN_RESOURCE, scope }),
  });

async function adminToken(client: Registration, scope = 'admin:read'): Promise<string> {
  const response = await requestAdminToken(client.client_id, client.client_secret, scope);
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`no admin token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function adminGet(token: string, path: string) {
  const response = await fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { items: Array<Record<string, unknown>> } };
}

const register = (token: string) =>
  fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }),
  });

const publishedKids = async () =>
  ((await (await fetch(`${issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);

/** Seconds from now until `iso`. */
const secondsUntil = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;

beforeAll(async () => {
  resources = await createTestResources();
  dataDir = await mkdtemp(join(tmpdir(), 'portcullis-cli-admin-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  issuer = `http://127.0.0.1:${port}`;
  adminUrl = `http://127.0.0.1:${adminPort}`;
  env = {
    ...process.env,
    ...resources.env,
    NODE_OPTIONS: '',
    NODE_ENV: 'development',
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST: '127.0.0.1',
    ISSUER: issuer,
    DATA_DIR: dataDir,
    REGISTRATION: 'initial-access-token',
  };
}, PROCESS_TEST_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await resources.cleanup();
});

let admin: Registration;
let earlyToken: string | undefined;
let bootstrapRotation: { at: number; activated: string[] };

describe('before any server ran: the CLI bootstraps', () => {
  test('client create --admin --metadata-file - --json makes an admin client: client_credentials, admin:read admin:write', async () => {
    admin = await okJson<Registration>(['client', 'create', '--admin', '--metadata-file', '-'], JSON.stringify({ client_name: 'ops' }));
    expect(admin).toMatchObject({
      client_name: 'ops',
      admin: true,
      grant_types: ['client_credentials'],
      scope: 'admin:read admin:write',
      token_endpoint_auth_method: 'client_secret_basic',
    });
    expect(admin.client_secret.length).toBeGreaterThanOrEqual(32);
  });

  test('client create --admin needs no metadata file, and says so in its human output', async () => {
    const stdout = await ok(['client', 'create', '--admin']);
    expect(stdout).toMatch(/^created admin client \S+ \(scope: admin:read admin:write\)\nclient_secret: \S{32,}\n\(shown once/);
    const contradiction = await cli(['client', 'create', '--admin', '--metadata-file', '-'], JSON.stringify({ admin: false }));
    expect(contradiction.code).toBe(2);
    expect(contradiction.stderr).toMatch(/--admin contradicts "admin": false/);
  });

  test("initial-access-token create: stored in Redis for the server to find, or refused when tokens live in a server's memory", async () => {
    const result = await cli(['initial-access-token', 'create', '--json']);
    if (usingRedis) {
      expect(result.code).toBe(0);
      earlyToken = (JSON.parse(result.stdout) as { token: string }).token;
    } else {
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/REDIS_URL/);
    }
  });
  test('keys rotate works before any server ran, and says which keys it activated and retired', async () => {
    const human = await ok(['keys', 'rotate']);
    bootstrapRotation = {
      at: Date.now(),
      activated: [...human.matchAll(/^activated (?:RS256|ES256) key (\S+)$/gm)].map((match) => match[1]!),
    };
    expect(human).toMatch(
      /^activated (RS256|ES256) key \S+\nactivated (RS256|ES256) key \S+\nretired (RS256|ES256) key \S+ \(published until \S+\)\nretired (RS256|ES256) key \S+ \(published until \S+\)\n$/,
    );
    expect(bootstrapRotation.activated).toHaveLength(2);
  });
});

describe('with the server running', () => {
  beforeAll(async () => {
    server = await startNode('src/main.ts', [], { env, isReady: answersOk(`${issuer}/readyz`) });
  }, PROCESS_TEST_TIMEOUT_MS);

  test('the admin client gets an admin token (client_credentials, resource urn:portcullis:admin) and lists clients on the admin listener', async () => {
    const token = await adminToken(admin, 'admin:read');
    const listed = await adminGet(token, '/admin/v1/clients');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((client) => client.client_id)).toContain(admin.client_id);
    expect((await fetch(`${issuer}/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  test('client rotate-secret --previous-valid-for keeps the old secret working until previous_secret_expires_at', async () => {
    const rotated = await okJson<{ client_id: string; client_secret: string; previous_secret_expires_at: string }>([
      'client',
      'rotate-secret',
      admin.client_id,
      '--previous-valid-for',
      '300',
    ]);
    expect(rotated.client_id).toBe(admin.client_id);
    expect(secondsUntil(rotated.previous_secret_expires_at)).toBeGreaterThan(240);
    expect(secondsUntil(rotated.previous_secret_expires_at)).toBeLessThanOrEqual(300);
    await eventually(async () => (await requestAdminToken(admin.client_id, rotated.client_secret)).status === 200);
    expect((await requestAdminToken(admin.client_id, admin.client_secret)).status).toBe(200);

    const human = await ok(['client', 'rotate-secret', admin.client_id]);
    expect(human).toMatch(
      /^new secret for client \S+\nclient_secret: \S{32,}\n\(shown once, stored only as a hash: keep it now\)\nthe previous secret stopped working\n$/,
    );
    const newest = /^client_secret: (\S+)$/m.exec(human)![1]!;
    await eventually(async () => (await requestAdminToken(admin.client_id, rotated.client_secret)).status === 401);
    expect((await requestAdminToken(admin.client_id, admin.client_secret)).status).toBe(401);
    admin = { ...admin, client_secret: newest };
    expect((await requestAdminToken(admin.client_id, admin.client_secret)).status).toBe(200);

    const notSeconds = await cli(['client', 'rotate-secret', admin.client_id, '--previous-valid-for', 'an hour']);
    expect(notSeconds.code).toBe(2);
    expect(notSeconds.stderr).toMatch(/--previous-valid-for must be a whole number of seconds/);
    const tooLong = await cli(['client', 'rotate-secret', admin.client_id, '--previous-valid-for', String(31 * 24 * 3600)]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/^error: invalid_input: /);
  });

  test('user create, show and update; revoke-grants ends refresh tokens; --disabled true is what the admin API sees', async () => {
    const created = await okJson<{ id: string }>(
      ['user', 'create', '--email', 'ada@example.com', '--password-stdin'],
      'the first password\n',
    );
    const shown = await okJson(['user', 'show', 'ada@example.com']);
    expect(shown).toMatchObject({ id: created.id, email: 'ada@example.com', name: null, email_verified: false, disabled: false });
    expect(shown).not.toHaveProperty('password_hash');

    const updated = await okJson(
      ['user', 'update', created.id, '--name', 'Ada Lovelace', '--email-verified', 'true', '--password-stdin'],
      'the second password\n',
    );
    expect(updated).toMatchObject({ id: created.id, name: 'Ada Lovelace', email_verified: true, disabled: false });
    expect(await ok(['user', 'update', 'ada@example.com', '--name', ''])).toBe('updated user ada@example.com\n');
    expect(await okJson(['user', 'show', created.id])).toMatchObject({ name: null });

    const web = await okJson<Registration>(
      ['client', 'create', '--metadata-file', '-'],
      JSON.stringify({
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid email offline_access',
      }),
    );
    const config = await oidc.discovery(new URL(issuer), web.client_id, {}, oidc.ClientSecretBasic(web.client_secret), {
      execute: [oidc.allowInsecureRequests],
    });
    const client = { clientId: web.client_id, clientSecret: web.client_secret, config };
    await expect(signIn(new Browser(), await authorizationRequest(client), 'ada@example.com', 'the first password')).rejects.toThrow();
    const request = await authorizationRequest(client, { scope: 'openid email offline_access', prompt: 'consent' });
    const tokens = await exchange(client, await signIn(new Browser(), request, 'ada@example.com', 'the second password'), request);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);

    expect(await okJson(['user', 'revoke-grants', 'ada@example.com'])).toEqual({ id: created.id, email: 'ada@example.com' });
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

    expect(await okJson(['user', 'update', 'ada@example.com', '--disabled', 'true'])).toMatchObject({ id: created.id, disabled: true });
    const seen = await adminGet(await adminToken(admin), `/admin/v1/users/${created.id}`);
    expect(seen).toMatchObject({ status: 200, body: { email: 'ada@example.com', disabled: true, email_verified: true } });
    await expect(signIn(new Browser(), await authorizationRequest(client), 'ada@example.com', 'the second password')).rejects.toThrow();

    for (const args of [
      ['user', 'update', 'ada@example.com'],
      ['user', 'update', 'ada@example.com', '--disabled', 'yes'],
    ]) {
      const refused = await cli(args);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/usage: user update/);
    }
  });

  test('resource show and update (scopes, lifetime, format), as the admin API sees them', async () => {
    await ok(['resource', 'create', '--id', 'https://api.cli-admin.test', '--scope', 'r:read']);
    const updated = await okJson([
      'resource',
      'update',
      'https://api.cli-admin.test',
      '--scope',
      'r:read r:write',
      '--ttl',
      '600',
      '--format',
      'opaque',
    ]);
    expect(updated).toMatchObject({
      id: 'https://api.cli-admin.test',
      scopes: ['r:read', 'r:write'],
      access_token_ttl: 600,
      token_format: 'opaque',
    });
    expect(await okJson(['resource', 'show', 'https://api.cli-admin.test'])).toEqual(updated);
    expect(await ok(['resource', 'update', 'https://api.cli-admin.test', '--format', 'jwt'])).toBe(
      'updated resource https://api.cli-admin.test (scopes: r:read r:write; jwt tokens for 600 s)\n',
    );
    const seen = await adminGet(await adminToken(admin), `/admin/v1/resources/${encodeURIComponent('https://api.cli-admin.test')}`);
    expect(seen).toMatchObject({ status: 200, body: { scopes: ['r:read', 'r:write'], access_token_ttl: 600, access_token_format: 'jwt' } });

    const missing = await cli(['resource', 'show', 'https://nothing.cli-admin.test']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: not_found: no resource https://nothing.cli-admin.test\n');
    expect((await cli(['resource', 'update', 'https://api.cli-admin.test'])).code).toBe(2);
    expect((await cli(['resource', 'update', 'https://api.cli-admin.test', '--format', 'xml'])).stderr).toMatch(
      /--format must be jwt or opaque/,
    );
  });

  test('initial-access-token create prints a token, shown once, that registers a client at POST /reg', async () => {
    const issued = await okJson<{ token: string; expires_at: string }>(['initial-access-token', 'create', '--expires-in', '600']);
    expect(secondsUntil(issued.expires_at)).toBeGreaterThan(540);
    expect(secondsUntil(issued.expires_at)).toBeLessThanOrEqual(600);
    expect((await register(issued.token)).status).toBe(201);

    const human = await ok(['initial-access-token', 'create']);
    expect(human).toMatch(/^initial_access_token: \S+\nexpires_at: \S+\n\(shown once/);
    expect(secondsUntil(/^expires_at: (\S+)$/m.exec(human)![1]!)).toBeGreaterThan(23 * 3600);
    expect((await register(/^initial_access_token: (\S+)$/m.exec(human)![1]!)).status).toBe(201);
    if (earlyToken) expect((await register(earlyToken)).status).toBe(201);

    expect((await register('not-a-token')).status).not.toBe(201);
    const tooShort = await cli(['initial-access-token', 'create', '--expires-in', '10']);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toMatch(/^error: invalid_input: /);
  });

  test('keys list, and keys rotate changes the kid in /jwks at once; new tokens are signed with it; a second rotation within a minute is refused', async () => {
    const before = await publishedKids();
    const listed = await okJson<
      Array<{ kid: string; alg: string; status: string; published_until: string | null; public_jwk: Record<string, unknown> }>
    >(['keys', 'list']);
    const current = listed.filter((key) => key.status === 'current');
    expect(current.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(current.map((key) => key.kid).sort()).toEqual([...bootstrapRotation.activated].sort());
    expect(before).toEqual(expect.arrayContaining(current.map((key) => key.kid)));
    expect(listed.filter((key) => key.status === 'retired').every((key) => key.published_until !== null)).toBe(true);
    expect(listed.every((key) => !('d' in key.public_jwk))).toBe(true);
    expect(await ok(['keys', 'list'])).toMatch(/^KID +ALG +STATUS +ACTIVATED +RETIRED +PUBLISHED_UNTIL\n/);

    // At most one rotation a minute (key-operations.ts): wait out the one made before the server started.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, bootstrapRotation.at + 61_000 - Date.now())));
    const rotated = await okJson<{
      activated: Array<{ kid: string; alg: string }>;
      retired: Array<{ kid: string; published_until: string }>;
    }>(['keys', 'rotate']);
    const activated = rotated.activated.map((key) => key.kid);
    expect(activated).toHaveLength(2);
    expect(activated.filter((kid) => before.includes(kid))).toEqual([]);
    expect(rotated.retired.map((key) => key.kid).sort()).toEqual(current.map((key) => key.kid).sort());
    await eventually(async () => (await publishedKids()).slice(0, 2).sort().join() === [...activated].sort().join());
    expect(await publishedKids()).toEqual(expect.arrayContaining(current.map((key) => key.kid)));
    expect(activated).toContain(decodeProtectedHeader(await adminToken(admin)).kid);

    const again = await cli(['keys', 'rotate']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: conflict: the signing keys were rotated less than a minute ago; try again in \d+ s\n$/);
  });

  test('every change the CLI made is in the audit trail with actor "cli"', async () => {
    const token = await adminToken(admin);
    const actions = [
      'client.created',
      'client.secret_rotated',
      'key.rotated',
      'user.created',
      'user.updated',
      'user.password_changed',
      'user.grants_revoked',
      'user.disabled',
      'resource.updated',
      'initial_access_token.created',
    ];
    for (const action of actions) {
      const { status, body } = await adminGet(token, `/admin/v1/audit-events?action=${action}`);
      expect({ action, status }).toEqual({ action, status: 200 });
      expect({ action, actors: [...new Set(body.items.map((event) => event.actor))] }).toEqual({ action, actors: ['cli'] });
    }
    const created = await adminGet(token, '/admin/v1/audit-events?action=client.created');
    expect(created.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'cli', target: admin.client_id, detail: { admin: true } })]),
    );
  });

  test('help lists the new commands, with keys and initial-access-token as nouns', async () => {
    const overview = await ok(['--help']);
    for (const usage of [
      'client create --metadata-file <path|-> [--admin]',
      'client rotate-secret <client_id> [--previous-valid-for <seconds>]',
      'user show <id|email>',
      'user update <id|email>',
      'user revoke-grants <id|email>',
      'resource show <uri>',
      'resource update <uri>',
      'keys list',
      'keys rotate',
      'initial-access-token create [--expires-in <seconds>]',
    ]) {
      expect(overview).toContain(usage);
    }
    expect(await ok(['help', 'keys'])).toMatch(/^usage: keys list \[--json\]\n.*\nusage: keys rotate \[--json\]\n/);
    expect(await ok(['help', 'initial-access-token'])).toMatch(/^usage: initial-access-token create/);
    expect(await ok(['keys', 'rotate', '--help'])).toMatch(/^usage: keys rotate/);
    const unknown = await cli(['keys', 'delete']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/expected one of: list, rotate/);
  });
});
