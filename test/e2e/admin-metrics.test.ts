import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { Browser } from '../support/browser.ts';
import {
  authorizationRequest,
  createUser,
  exchange,
  isCallback,
  PASSWORD,
  registerClient,
  type RegisteredClient,
} from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The Prometheus text exposition format, samples only. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

let server: TestServer;
let call: ReturnType<typeof adminCall>;
let machine: RegisteredClient;
let web: RegisteredClient;

const scrape = async () => {
  const response = await fetch(`${server.admin.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseMetrics(await response.text());
};
const valueOf = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
/** One request-duration series per method, route and status class: its `_count` sample. */
const durationSeries = (samples: Sample[]) =>
  samples.filter((sample) => sample.name === 'http_server_request_duration_seconds_count').map((sample) => sample.labels);
const seriesKey = (labels: Readonly<Record<string, string>>) => `${labels.method} ${labels.route} ${labels.status_class}`;

beforeAll(async () => {
  server = await startTestServer();
  call = adminCall(server, await adminToken(server, await createAdminClient(server)));
  machine = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
  web = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email offline_access' });
  await createUser(server, 'metrics@example.test');
}, 120_000);
afterAll(() => server?.close(), 60_000);

describe('GET {admin}/metrics', () => {
  let before: Sample[];
  let after: Sample[];
  let interactionUid: string;

  beforeAll(async () => {
    before = await scrape();
    await oidc.clientCredentialsGrant(machine.config, {});

    const browser = new Browser();
    const request = await authorizationRequest(web, { scope: 'openid email offline_access', prompt: 'consent' });
    const login = await browser.follow(request.url.toString(), isCallback);
    interactionUid = new URL(login.url).pathname.split('/')[2]!;
    const failed = await browser.submit(login, /\/login$/, { email: 'metrics@example.test', password: 'not the password' });
    expect(failed.status).toBe(401);
    const consent = await browser.submit(failed, /\/login$/, { email: 'metrics@example.test', password: PASSWORD }, isCallback);
    const callback = await browser.submit(consent, /\/confirm$/, {}, isCallback);
    expect(isCallback(callback.url)).toBe(true);
    const tokens = await exchange(web, new URL(callback.url), request);
    await oidc.refreshTokenGrant(web.config, tokens.refresh_token!);
    after = await scrape();
  }, 60_000);

  test('counts tokens issued by grant type', () => {
    for (const grantType of ['client_credentials', 'authorization_code', 'refresh_token']) {
      const delta =
        valueOf(after, 'portcullis_tokens_issued_total', { grant_type: grantType }) -
        valueOf(before, 'portcullis_tokens_issued_total', { grant_type: grantType });
      expect([grantType, delta]).toEqual([grantType, 1]);
    }
  });

  test('counts sign-ins by outcome', () => {
    for (const outcome of ['failure', 'success']) {
      const delta = valueOf(after, 'portcullis_logins_total', { outcome }) - valueOf(before, 'portcullis_logins_total', { outcome });
      expect([outcome, delta]).toEqual([outcome, 1]);
    }
  });

  test('times requests by route template, never by a raw id', async () => {
    const clientPath = `/admin/v1/clients/${encodeURIComponent(machine.clientId)}`;
    const missing = `no-such-client-${randomBytes(6).toString('hex')}`;
    expect((await call('GET', clientPath)).status).toBe(200);
    expect((await call('GET', `/admin/v1/clients/${missing}`)).status).toBe(404);
    expect((await fetch(`${server.issuer}/interaction/${interactionUid}`)).status).toBeGreaterThanOrEqual(200);
    const series = durationSeries(await scrape());
    const keys = series.map(seriesKey);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /token 2xx',
        'GET /auth 3xx',
        'GET /interaction/:uid 2xx',
        'POST /interaction/:uid/login 4xx',
        'POST /interaction/:uid/login 3xx',
        'POST /interaction/:uid/confirm 3xx',
        'GET /admin/v1/clients/:client_id 2xx',
        'GET /admin/v1/clients/:client_id 4xx',
        'GET /metrics 2xx',
      ]),
    );
    const labelValues = series.flatMap((labels) => Object.values(labels));
    for (const id of [machine.clientId, web.clientId, missing, interactionUid]) {
      expect(labelValues.filter((value) => value.includes(id))).toEqual([]);
    }
  });

  test('bounded cardinality: 50 distinct unknown paths on each listener add at most one "other" series per method and status class', async () => {
    const known = new Set(durationSeries(await scrape()).map(seriesKey));
    const marker = randomBytes(4).toString('hex');
    const distinct = (i: number) => `${marker}${i}x${randomBytes(4).toString('hex')}`;
    // Unknown paths of several shapes, some under real prefixes and templates.
    const publicShapes = [
      (id: string) => `/unknown-${id}`,
      (id: string) => `/interaction/${id}/nope`,
      (id: string) => `/token/${id}`,
      (id: string) => `/.well-known/${id}`,
      (id: string) => `/auth/${id}/x`,
    ];
    const adminShapes = [
      (id: string) => `/unknown-${id}`,
      (id: string) => `/admin/v1/${id}`,
      (id: string) => `/admin/v1/clients/${id}/nope`,
      (id: string) => `/metrics/${id}`,
    ];
    const refused = (status: number) => status >= 400 && status < 500;
    for (let i = 0; i < 50; i += 1) {
      const publicPath = publicShapes[i % publicShapes.length]!(distinct(i));
      const adminPath = adminShapes[i % adminShapes.length]!(distinct(i));
      expect([publicPath, refused((await fetch(`${server.issuer}${publicPath}`)).status)]).toEqual([publicPath, true]);
      expect([adminPath, refused((await fetch(`${server.admin.url}${adminPath}`)).status)]).toEqual([adminPath, true]);
      expect([adminPath, refused((await fetch(`${server.admin.url}${adminPath}`, { method: 'POST' })).status)]).toEqual([adminPath, true]);
    }
    const series = durationSeries(await scrape());
    expect(series.filter((labels) => JSON.stringify(labels).includes(marker))).toEqual([]);
    const added = series.filter((labels) => !known.has(seriesKey(labels)));
    expect(added.every((labels) => labels.route === 'other')).toBe(true);
    const others = series.filter((labels) => labels.route === 'other');
    const perMethodAndStatus = new Map<string, number>();
    for (const labels of others)
      perMethodAndStatus.set(
        `${labels.method} ${labels.status_class}`,
        (perMethodAndStatus.get(`${labels.method} ${labels.status_class}`) ?? 0) + 1,
      );
    expect([...perMethodAndStatus.values()].every((count) => count === 1)).toBe(true);
    expect(perMethodAndStatus.get('GET 4xx')).toBe(1);
    expect(perMethodAndStatus.get('POST 4xx')).toBe(1);
    // Every one of the 150 requests was counted, in those two series.
    const afterCounts = await scrape();
    expect(
      valueOf(afterCounts, 'http_server_request_duration_seconds_count', { route: 'other', status_class: '4xx' }),
    ).toBeGreaterThanOrEqual(150);
  }, 60_000);
});
