import { randomBytes } from 'node:crypto';
import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { createUser, PASSWORD, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { openLoginPage, postLogin } from './login-from-address.ts';

// Sign-ins reach the audit trail (written in the background, so the test polls the API for them).

const MAX_ATTEMPTS = 3;
const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
const EMAIL = 'audited@example.test';
const LOCKED_EMAIL = 'locked@example.test';

type AuditEvent = {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  address: string | null;
  outcome: string;
  detail: Record<string, unknown> | null;
};

let server: TestServer;
let call: ReturnType<typeof adminCall>;
let web: RegisteredClient;
let accountId: string;
/** Every password typed in this file, wrong ones included. */
const typed = new Set<string>([PASSWORD]);
const wrongPassword = () => {
  const password = `guess ${randomBytes(9).toString('base64url')}`;
  typed.add(password);
  return password;
};

const events = async (query = ''): Promise<AuditEvent[]> => {
  const answer = await call('GET', `/admin/v1/audit-events?limit=200${query}`);
  expect(answer.status).toBe(200);
  return answer.body.items as unknown as AuditEvent[];
};

/** Polls the API until `ready` holds for the events of `action`, or fails after a generous deadline. */
async function eventsOf(action: string, ready: (found: AuditEvent[]) => boolean, timeoutMs = 20_000): Promise<AuditEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await events(`&action=${encodeURIComponent(action)}`);
    if (ready(found)) return found;
    if (Date.now() > deadline) throw new Error(`audit events ${action}: still ${JSON.stringify(found)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const eventsNumbering = (action: string, count: number) => eventsOf(action, (found) => found.length >= count);

async function signIn(address: string, email: string, password: string) {
  const { browser, page } = await openLoginPage(web);
  return postLogin(browser, page, address, { email, password });
}

beforeAll(async () => {
  server = await startTestServer({ LOGIN_MAX_ATTEMPTS: String(MAX_ATTEMPTS), AUDIT_RETENTION_DAYS: String(RETENTION_DAYS) });
  call = adminCall(server, await adminToken(server, await createAdminClient(server, { scope: 'admin:read admin:write' })));
  web = await registerClient(server, { grant_types: ['authorization_code'] });
  accountId = (await createUser(server, EMAIL)).id;
  await createUser(server, LOCKED_EMAIL);
}, 120_000);
afterAll(() => server?.close(), 60_000);

describe('sign-in events', () => {
  beforeAll(async () => {
    expect((await signIn('127.0.60.1', EMAIL, wrongPassword())).status).toBe(401);
    expect((await signIn('127.0.60.2', EMAIL, PASSWORD)).status).toBe(303);
    const lockout: number[] = [];
    for (let attempt = 0; attempt <= MAX_ATTEMPTS; attempt += 1)
      lockout.push((await signIn('127.0.60.3', LOCKED_EMAIL, wrongPassword())).status);
    expect(lockout).toEqual([...Array<number>(MAX_ATTEMPTS).fill(401), 429]);
  }, 60_000);

  test('a failed sign-in: login.failed, anonymous, the email typed as target, the address, outcome failure', async () => {
    const failed = await eventsNumbering('login.failed', 1 + MAX_ATTEMPTS);
    const first = failed.find((event) => event.target === EMAIL);
    expect(first).toMatchObject({ action: 'login.failed', actor: 'anonymous', target: EMAIL, address: '127.0.60.1', outcome: 'failure' });
    expect(first!.detail).toMatchObject({ client_id: web.clientId });
    expect(Math.abs(Date.parse(first!.at) - Date.now())).toBeLessThan(60_000);
  });

  test('a successful sign-in: login.succeeded, actor user:<id>', async () => {
    const [succeeded] = await eventsNumbering('login.succeeded', 1);
    expect(succeeded).toMatchObject({
      action: 'login.succeeded',
      actor: `user:${accountId}`,
      target: accountId,
      address: '127.0.60.2',
      outcome: 'success',
    });
    expect(succeeded!.detail).toMatchObject({ client_id: web.clientId });
  });

  test('a lockout: login.locked_out once the attempts are used up', async () => {
    const [locked] = await eventsNumbering('login.locked_out', 1);
    expect(locked).toMatchObject({
      action: 'login.locked_out',
      actor: 'anonymous',
      target: LOCKED_EMAIL,
      address: '127.0.60.3',
      outcome: 'failure',
    });
    expect(locked!.detail).toMatchObject({ client_id: web.clientId, reason: 'too-many-failures' });
    const failedBefore = (await eventsNumbering('login.failed', 1 + MAX_ATTEMPTS)).filter((event) => event.target === LOCKED_EMAIL);
    expect(failedBefore).toHaveLength(MAX_ATTEMPTS);
  });

  test('no event holds a password, neither through the API nor in the table', async () => {
    await eventsNumbering('login.locked_out', 1);
    const listed = JSON.stringify(await events());
    const stored = (await server.services.db.sql.query<{ row: string }>('SELECT t::text AS row FROM audit_events t'))
      .map((row) => row.row)
      .join('\n');
    expect(stored).toContain('login.failed');
    for (const password of typed) {
      expect(listed).not.toContain(password);
      expect(stored).not.toContain(password);
    }
  });

  test('?action= filters on the exact action, with a total', async () => {
    await eventsNumbering('login.failed', 1 + MAX_ATTEMPTS);
    const answer = await call('GET', '/admin/v1/audit-events?action=login.failed&count=true');
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((event) => event.action)).toEqual(Array<string>(1 + MAX_ATTEMPTS).fill('login.failed'));
    expect(answer.body.total).toBe(1 + MAX_ATTEMPTS);
    const all = await events();
    expect(all.map((event) => event.action)).toEqual(
      expect.arrayContaining(['login.failed', 'login.succeeded', 'login.locked_out', 'client.created']),
    );
    expect((await call('GET', '/admin/v1/audit-events?action=login')).body.items).toEqual([]);
  });
});

describe('retention', () => {
  test(`prune deletes the events older than AUDIT_RETENTION_DAYS (${RETENTION_DAYS}) and keeps the recent ones`, async () => {
    // Everything so far is "old": settle the background writes, then mark the instant after the newest.
    await eventsNumbering('login.locked_out', 1);
    await eventsNumbering('login.failed', 1 + MAX_ATTEMPTS);
    const old = await events();
    const oldCount = await server.services.audit.count();
    expect(oldCount).toBe(old.length);
    const cutoff = Math.max(...old.map((event) => Date.parse(event.at))) + 1;
    const deadline = Date.now() + 5_000;
    while (Date.now() <= cutoff + 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));

    // Recent events: a change by the admin API and a sign-in.
    const created = await call('POST', '/admin/v1/clients', { client_name: 'recent', grant_types: ['client_credentials'] });
    expect(created.status).toBe(201);
    expect((await signIn('127.0.60.4', EMAIL, PASSWORD)).status).toBe(303);
    await eventsNumbering('login.succeeded', 2);
    const recent = (await events()).filter((event) => !old.some((earlier) => earlier.id === event.id));
    expect(recent.map((event) => event.action).sort()).toEqual(['client.created', 'login.succeeded']);

    // Nothing is old enough yet at the real time.
    expect(await server.services.audit.prune(Date.now())).toBe(0);

    // RETENTION_DAYS after the cutoff, everything before it has expired and nothing after it.
    const deleted = await server.services.audit.prune(cutoff + RETENTION_DAYS * DAY_MS);
    expect(deleted).toBe(oldCount);
    const left = await events();
    expect(left.map((event) => event.id).sort()).toEqual(recent.map((event) => event.id).sort());
    expect(await server.services.audit.count()).toBe(recent.length);

    // And once the recent ones are that old too, they go as well.
    expect(await server.services.audit.prune(Date.now() + (RETENTION_DAYS + 1) * DAY_MS)).toBe(recent.length);
    expect(await events()).toEqual([]);
  }, 60_000);
});
