import { jest } from '@jest/globals';
import { Agent, request } from 'node:http';
import { randomInt } from 'node:crypto';
import { adminToken, createAdminClient } from '../support/admin.ts';
import { Browser, type Page } from '../support/browser.ts';
import { createUser, PASSWORD, REDIRECT_URI, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Issue 11, "every endpoint survives any input": seeded requests with hostile text (NUL, lone
 * surrogates, invalid UTF-8 and percent-encoding, overlong values, duplicated parameters, wrong
 * types and content types) at every endpoint of both listeners. None may answer 5xx or show a
 * stack trace, and the server must be healthy afterwards. FUZZ_SEED repeats a run, FUZZ_COUNT sets
 * its size (1,500 by default; `npm run fuzz` runs 10,000).
 */
const SEED = Number(process.env.FUZZ_SEED ?? randomInt(1, 2 ** 31));
const COUNT = Number(process.env.FUZZ_COUNT ?? 1500);
const CONCURRENCY = 6;
jest.setTimeout(Math.max(120_000, COUNT * 40));

/** mulberry32: small, fast and the same everywhere. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = ReturnType<typeof prng>;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Values already percent-encoded as they go on the wire (a form body or a query string). */
const HOSTILE_ENCODED = [
  '%00',
  'a%00b',
  '%ED%A0%80', // a lone surrogate, as CESU-8
  '%ED%B0%80',
  '%FF%FE',
  '%C3',
  '%E0%A4%A',
  '%ZZ',
  '%',
  '%%%',
  '%C0%AF', // overlong encoding
  '%F4%90%80%80', // beyond U+10FFFF
  '%01%02%1B',
  '%7F',
  '',
  '1e309',
  '-1',
  '99999999999999999999999999999',
  '%5B%5D',
  'a%5Bb%5D',
  '%E2%80%AE',
  '%0D%0Aset-cookie:%20x=y',
];
/** The same kinds of values for JSON bodies (lone surrogates as escapes, wrong types). */
const HOSTILE_JSON: unknown[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\u001b[31m',
  '',
  'a'.repeat(5000),
  1e308,
  -1,
  Number.MAX_SAFE_INTEGER * 4096,
  true,
  false,
  null,
  [],
  ['a', 'b'],
  {},
  { $gt: '' },
  [[[[[[]]]]]],
  { a: { b: { c: {} } } },
];

interface Spec {
  readonly listener: 'public' | 'admin';
  readonly method: string;
  readonly path: string;
  /** Encoded query parameters. */
  readonly query?: Array<[string, string]>;
  /** Encoded form parameters, or a JSON body. */
  readonly form?: Array<[string, string]>;
  readonly json?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

interface Wire {
  readonly listener: 'public' | 'admin';
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

const enc = encodeURIComponent;
/** A value of NO_VALUE sends the name alone (`a&b=1`). */
const NO_VALUE = '\u0001';
const encodePairs = (pairs: Array<[string, string]>) =>
  pairs.map(([name, value]) => (value.startsWith(NO_VALUE) ? name : `${name}=${value}`)).join('&');
/** Node's HTTP parser answers a head larger than this 431 and closes the connection. */
const MAX_HEAD = 16 * 1024;

/** One mutation of a spec, chosen by `random`. */
function mutate(random: Random, spec: Spec): Wire {
  const query = spec.query ? spec.query.map(([n, v]): [string, string] => [n, v]) : undefined;
  const form = spec.form ? spec.form.map(([n, v]): [string, string] => [n, v]) : undefined;
  let json = spec.json ? structuredClone(spec.json) : undefined;
  const headers: Record<string, string> = { ...spec.headers };
  let path = spec.path;
  let rawBody: Buffer | undefined;
  let contentType = form ? 'application/x-www-form-urlencoded' : json ? 'application/json' : undefined;
  const targetPairs = form && (!query || random() < 0.7) ? form : query;
  const rounds = 1 + Math.floor(random() * 3);
  for (let round = 0; round < rounds; round += 1) {
    const kind = Math.floor(random() * 14);
    if (json && typeof json === 'object' && !Array.isArray(json) && kind < 6) {
      const keys = Object.keys(json);
      const key =
        keys.length && random() < 0.85 ? pick(random, keys) : pick(random, ['extra', '\u0000', '__proto__', 'constructor', '\ud800']);
      json[key] = pick(random, HOSTILE_JSON);
      continue;
    }
    if (targetPairs && targetPairs.length > 0 && kind < 9) {
      const index = Math.floor(random() * targetPairs.length);
      const [name, value] = targetPairs[index]!;
      switch (kind % 9) {
        case 0:
          targetPairs[index] = [name, pick(random, HOSTILE_ENCODED)];
          break;
        case 1:
          targetPairs[index] = [name, `${value}${pick(random, HOSTILE_ENCODED)}`];
          break;
        case 2:
          targetPairs.push([name, value]);
          break;
        case 3:
          targetPairs[index] = [name, 'a'.repeat(pick(random, [300, 2100, 5000, 9000, 20_000, 70_000]))];
          break;
        case 4:
          targetPairs[index] = [`${name}${pick(random, ['%00', '%FF', '[]', '[a]', '%ED%A0%80'])}`, value];
          break;
        case 5:
          targetPairs[index] = [name, NO_VALUE];
          break;
        case 6:
          targetPairs.splice(index, 1);
          break;
        case 7:
          targetPairs.push([
            pick(random, ['%00', '', '%ZZ', 'x'.repeat(3000), 'client_id', 'grant_type', 'csrf']),
            pick(random, HOSTILE_ENCODED),
          ]);
          break;
        default:
          targetPairs[index] = [name, `${value}${'%F0%9F%98%80'.repeat(1 + Math.floor(random() * 600))}`];
      }
      continue;
    }
    switch (kind) {
      case 9:
        contentType = pick(random, [
          'application/json',
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded; charset=latin1',
          'application/xml',
          '',
          '%00/x',
        ]);
        break;
      case 10:
        rawBody = Buffer.from(
          pick(random, [
            [0xff, 0xfe, 0x00],
            [0x61, 0x3d, 0xc3],
            [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
            [0x25, 0x00, 0x3d],
          ]),
        );
        break;
      case 11:
        path = `${path}${pick(random, ['%00', '%ZZ', '%E0%A4%A', '/%FF', '/..%2F..', '%ED%A0%80', '/x'.repeat(50)])}`;
        break;
      case 12:
        headers[pick(random, ['authorization', 'cookie', 'accept-language', 'x-csrf-token', 'dpop', 'origin'])] = pick(random, [
          'Basic !!!',
          'Bearer \u00ff\u00fe',
          'Basic ' + Buffer.from('a\u0000:b').toString('base64'),
          '_session=%00; _interaction=\u00ff',
          'x'.repeat(6000),
          '',
          'Bearer ',
          'DPoP a.b.c',
          'en;q=2,*;q=-1,\u00e9',
        ]);
        break;
      default:
        if (json) json = pick(random, [[json], 'string', 42, null]) as unknown as Record<string, unknown>;
        else if (targetPairs) targetPairs.splice(0, targetPairs.length);
    }
  }
  const search = query && query.length > 0 ? `?${encodePairs(query)}` : '';
  const body = rawBody ?? (form ? Buffer.from(encodePairs(form)) : json !== undefined ? Buffer.from(JSON.stringify(json)) : undefined);
  if (contentType && body) headers['content-type'] = contentType;
  const method = body && spec.method === 'GET' ? 'POST' : spec.method;
  return { listener: spec.listener, method, target: `${path}${search}`, headers, ...(body ? { body } : {}) };
}

let server: TestServer;
let client: RegisteredClient;
let deviceClient: RegisteredClient;
let token: string;
let accessToken: string;
let userId: string;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const basic = (c: RegisteredClient) => `Basic ${Buffer.from(`${enc(c.clientId)}:${enc(c.clientSecret ?? '')}`).toString('base64')}`;

interface Answer {
  readonly status: number;
  readonly body: string;
}

function send(wire: Wire): Promise<Answer> {
  const base = new URL(wire.listener === 'public' ? server.running.url : server.admin.url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: wire.method,
        path: wire.target,
        headers: { ...wire.headers, ...(wire.body ? { 'content-length': String(wire.body.length) } : {}) },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(wire.body);
  });
}

/** A login page of a real interaction: its uid, its cookies and the CSRF token of its forms. */
async function startInteraction(): Promise<{ uid: string; cookie: string; csrf: string; xsrf?: string }> {
  const browser = new Browser();
  const query = new URLSearchParams({
    client_id: client.clientId,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT_URI,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    state: 's',
  });
  const page: Page = await browser.follow(`${server.issuer}/auth?${query.toString()}`);
  const login = Browser.forms(page).find((form) => /\/login$/.test(form.action));
  if (!login) throw new Error(`no login form (status ${page.status})`);
  const uid = /\/interaction\/([^/]+)\/login$/.exec(login.action)![1]!;
  return { uid, cookie: browser.cookieHeader(), csrf: login.fields.csrf ?? '' };
}

async function deviceFormFields(): Promise<{ cookie: string; xsrf: string }> {
  const browser = new Browser();
  const page = await browser.follow(`${server.issuer}/device`);
  const form = Browser.forms(page)[0];
  return { cookie: browser.cookieHeader(), xsrf: form?.fields.xsrf ?? '' };
}

let specs: Array<(random: Random) => Spec>;

beforeAll(async () => {
  server = await startTestServer({
    AUTHORIZATION_RATE_LIMIT: '1000000',
    LOGIN_MAX_IN_FLIGHT_PER_ADDRESS: '64',
    REGISTRATION: 'open',
    REGISTRATION_RATE_LIMIT: '1000000',
  });
  client = await registerClient(server, {
    grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
    scope: 'openid email profile offline_access',
  });
  deviceClient = await registerClient(server, {
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    token_endpoint_auth_method: 'none',
    redirect_uris: [],
    response_types: [],
    scope: 'openid email',
  });
  userId = (await createUser(server, 'fuzz@example.com')).id;
  const admin = await createAdminClient(server);
  token = await adminToken(server, admin);
  const tokenAnswer = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client) },
    body: 'grant_type=client_credentials',
  });
  accessToken = ((await tokenAnswer.json()) as { access_token: string }).access_token;
  const interactions = await Promise.all(Array.from({ length: 4 }, () => startInteraction()));
  const device = await deviceFormFields();

  const publicSpec = (method: string, path: string, parts: Omit<Spec, 'listener' | 'method' | 'path'> = {}): Spec => ({
    listener: 'public',
    method,
    path,
    ...parts,
  });
  const adminSpec =
    (method: string, path: string, parts: Omit<Spec, 'listener' | 'method' | 'path'> = {}) =>
    (random: Random): Spec => ({
      listener: 'admin',
      method,
      path,
      ...parts,
      headers: random() < 0.75 ? { authorization: `Bearer ${token}` } : random() < 0.5 ? {} : { authorization: 'Bearer x' },
    });
  const authParams = (): Array<[string, string]> => [
    ['client_id', enc(client.clientId)],
    ['response_type', 'code'],
    ['scope', 'openid%20email'],
    ['redirect_uri', enc(REDIRECT_URI)],
    ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
    ['code_challenge_method', 'S256'],
    ['state', 'xyz'],
  ];
  const withInteraction = (build: (i: (typeof interactions)[number], random: Random) => Spec) => (random: Random) =>
    build(pick(random, interactions), random);
  const userPath = (random: Random) => pick(random, [userId, '00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%00', enc('\u00e9')]);
  specs = [
    () => publicSpec('GET', '/.well-known/openid-configuration', { query: [['x', '1']] }),
    () => publicSpec('GET', '/jwks', { query: [['kid', 'a']] }),
    () => publicSpec('GET', '/auth', { query: authParams() }),
    () => publicSpec('GET', '/auth', { query: authParams() }),
    () => publicSpec('POST', '/request', { form: authParams(), headers: { authorization: basic(client) } }),
    (random) =>
      publicSpec('POST', '/token', {
        form: [
          [
            'grant_type',
            pick(random, ['client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']),
          ],
          ['scope', 'openid'],
          ['code', 'abc'],
          ['refresh_token', 'r'],
          ['code_verifier', 'v'.repeat(43)],
          ['redirect_uri', enc(REDIRECT_URI)],
          ['device_code', 'd'],
          ['resource', enc('https://api.example.com')],
        ],
        headers: random() < 0.8 ? { authorization: basic(client) } : {},
      }),
    () =>
      publicSpec('POST', '/token', {
        form: [
          ['grant_type', 'client_credentials'],
          ['client_id', enc(client.clientId)],
          ['client_secret', enc(client.clientSecret ?? '')],
        ],
      }),
    () =>
      publicSpec('POST', '/token/introspection', {
        form: [
          ['token', enc(accessToken)],
          ['token_type_hint', 'access_token'],
        ],
        headers: { authorization: basic(client) },
      }),
    () =>
      publicSpec('POST', '/token/revocation', {
        form: [
          ['token', 'abc'],
          ['token_type_hint', 'refresh_token'],
        ],
        headers: { authorization: basic(client) },
      }),
    (random) =>
      publicSpec(pick(random, ['GET', 'POST']), '/me', {
        query: [['claims', enc('{"userinfo":{"email":null}}')]],
        headers: { authorization: `Bearer ${accessToken}` },
      }),
    () =>
      publicSpec('GET', '/session/end', {
        query: [
          ['client_id', enc(client.clientId)],
          ['post_logout_redirect_uri', enc(REDIRECT_URI)],
          ['state', 's'],
          ['id_token_hint', 'a.b.c'],
        ],
      }),
    () =>
      publicSpec('POST', '/session/end/confirm', {
        form: [
          ['xsrf', 'x'],
          ['logout', 'yes'],
        ],
      }),
    () =>
      publicSpec('POST', '/device/auth', {
        form: [
          ['client_id', enc(deviceClient.clientId)],
          ['scope', 'openid%20email'],
        ],
      }),
    () => publicSpec('GET', '/device', { query: [['user_code', 'BCDF-GHJK']] }),
    () =>
      publicSpec('POST', '/device', {
        form: [
          ['xsrf', enc(device.xsrf)],
          ['user_code', 'BCDF-GHJK'],
        ],
        headers: { cookie: device.cookie },
      }),
    () =>
      publicSpec('POST', '/reg', {
        json: {
          redirect_uris: [REDIRECT_URI],
          client_name: 'fuzz',
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'none',
        },
      }),
    () => publicSpec('GET', '/reg/abc', { query: [['x', '1']], headers: { authorization: 'Bearer abc' } }),
    withInteraction((i) => publicSpec('GET', `/interaction/${i.uid}`, { query: [['x', '1']], headers: { cookie: i.cookie } })),
    withInteraction((i) =>
      publicSpec('POST', `/interaction/${i.uid}/login`, {
        form: [
          ['csrf', enc(i.csrf)],
          ['email', 'fuzz%40example.com'],
          ['password', 'wrong%20password%20here%20x'],
          ['code', '123456'],
        ],
        headers: { cookie: i.cookie },
      }),
    ),
    withInteraction((i, random) =>
      publicSpec('POST', `/interaction/${i.uid}/signup`, {
        form: [
          ['csrf', enc(i.csrf)],
          ['email', `new${Math.floor(random() * 1e9)}%40example.com`],
          ['password', enc(PASSWORD)],
          ['name', 'New'],
        ],
        headers: { cookie: i.cookie },
      }),
    ),
    withInteraction((i) =>
      publicSpec('GET', `/interaction/${i.uid}/signup`, { query: [['email', 'a%40b.c']], headers: { cookie: i.cookie } }),
    ),
    withInteraction((i) =>
      publicSpec('POST', `/interaction/${i.uid}/password-reset`, {
        form: [
          ['csrf', enc(i.csrf)],
          ['email', 'fuzz%40example.com'],
        ],
        headers: { cookie: i.cookie },
      }),
    ),
    withInteraction((i) =>
      publicSpec('POST', `/interaction/${i.uid}/confirm`, { form: [['csrf', enc(i.csrf)]], headers: { cookie: i.cookie } }),
    ),
    withInteraction((i) =>
      publicSpec('POST', `/interaction/${i.uid}/switch-account`, { form: [['csrf', enc(i.csrf)]], headers: { cookie: i.cookie } }),
    ),
    () => publicSpec('GET', '/account', { query: [['x', '1']] }),
    () =>
      publicSpec('POST', '/account/profile', {
        form: [
          ['csrf', 'x'],
          ['name', 'n'],
        ],
        headers: { cookie: '_account=abc' },
      }),
    () =>
      publicSpec('GET', '/account/callback', {
        query: [
          ['code', 'c'],
          ['state', 's'],
          ['iss', enc(server.issuer)],
        ],
      }),
    () =>
      publicSpec('POST', '/password-reset', {
        form: [
          ['csrf', 'x'],
          ['email', 'fuzz%40example.com'],
        ],
      }),
    () => publicSpec('GET', '/password-reset/choose', { query: [['token', 'abc']] }),
    () => publicSpec('GET', '/verify-email', { query: [['token', 'abc']] }),
    () =>
      publicSpec('POST', '/verify-email', {
        form: [
          ['csrf', 'x'],
          ['token', 'abc'],
        ],
      }),
    () => publicSpec('GET', '/healthz', { query: [['x', '1']] }),
    adminSpec('GET', '/admin/v1/clients', {
      query: [
        ['limit', '10'],
        ['cursor', 'abc'],
        ['count', 'true'],
      ],
    }),
    (random) => adminSpec('GET', `/admin/v1/clients/${pick(random, [enc(client.clientId), 'nope', '%00', '%ZZ'])}`)(random),
    adminSpec('POST', '/admin/v1/clients', {
      json: { client_name: 'fuzz', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'api:read' },
    }),
    (random) =>
      adminSpec('PATCH', `/admin/v1/clients/${pick(random, ['nope', enc(client.clientId)])}`, { json: { client_name: 'renamed' } })(random),
    adminSpec('GET', '/admin/v1/users', {
      query: [
        ['email', 'fuzz%40example.com'],
        ['limit', '5'],
      ],
    }),
    (random) => adminSpec('GET', `/admin/v1/users/${userPath(random)}`)(random),
    (random) => adminSpec('PATCH', `/admin/v1/users/${userPath(random)}`, { json: { name: 'Fuzz', email_verified: true } })(random),
    (random) => adminSpec('DELETE', `/admin/v1/users/${pick(random, ['00000000-0000-0000-0000-000000000000', 'x'])}/sessions`)(random),
    adminSpec('POST', '/admin/v1/users', { json: { email: 'someone@example.com', password: PASSWORD, name: 'S' } }),
    adminSpec('GET', '/admin/v1/audit-events', {
      query: [
        ['action', 'login.success'],
        ['limit', '3'],
      ],
    }),
    adminSpec('GET', '/admin/v1/resources', { query: [['limit', '3']] }),
    adminSpec('POST', '/admin/v1/resources', { json: { id: 'https://fuzz.example.com', scopes: ['x:read'], name: 'F' } }),
    adminSpec('GET', '/admin/v1/keys'),
    adminSpec('POST', '/admin/v1/initial-access-tokens', { json: { expires_in: 60 } }),
    adminSpec('GET', '/openapi.json'),
  ];
});

afterAll(async () => {
  agent.destroy();
  await server?.close();
});

const STACK = /\n\s+at .+|\s{4}at \S+ \(|\/src\/|node_modules|\.ts:\d+/;

test(`${COUNT} hostile requests across both listeners: no 5xx, no stack trace, still healthy`, async () => {
  console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}`);
  const random = prng(SEED);
  // Every request is drawn up front, so a seed always gives the same requests whatever the timing.
  const wires = Array.from({ length: COUNT }, (_, index) => mutate(random, specs[index % specs.length]!(random)));
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < wires.length) {
        const index = next++;
        const wire = wires[index]!;
        let answer: Answer;
        try {
          answer = await send(wire);
        } catch (error) {
          const head =
            wire.target.length + Object.entries(wire.headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
          if (head > MAX_HEAD - 512 && /ECONNRESET|EPIPE/.test(String(error))) {
            statuses.set(431, (statuses.get(431) ?? 0) + 1);
            continue;
          }
          failures.push(`#${index} ${wire.listener} ${wire.method} ${wire.target.slice(0, 200)}: connection failed: ${String(error)}`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const problem =
          answer.status >= 500 ? `status ${answer.status}` : STACK.test(answer.body) ? 'stack trace or path in the body' : undefined;
        if (problem) {
          const body = wire.body ? ` body=${JSON.stringify(wire.body.toString('latin1').slice(0, 200))}` : '';
          failures.push(
            `#${index} ${problem}: ${wire.listener} ${wire.method} ${wire.target.slice(0, 200)} headers=${JSON.stringify(wire.headers).slice(0, 200)}${body} -> ${answer.body.slice(0, 200)}`,
          );
        }
      }
    }),
  );
  console.log(
    `fuzz: ${COUNT} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
  );
  expect(failures.slice(0, 20)).toEqual([]);

  expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
  expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
  const tokenAnswer = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client) },
    body: 'grant_type=client_credentials',
  });
  expect(tokenAnswer.status).toBe(200);
});
