import { AccountTokens } from '../../src/self-service/account-tokens.ts';
import { createUser } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let now = new Date('2026-12-02T08:00:00Z');
let tokens: AccountTokens;

beforeAll(async () => {
  server = await startTestServer();
  tokens = new AccountTokens(server.services.db.prisma, () => now);
});
afterAll(() => server.close());

const hours = (count: number) => count * 3600 * 1000;

describe('mailed links (AccountTokens)', () => {
  test('single use, stored only as a hash, and an email change keeps the address it confirms', async () => {
    const account = await createUser(server, 'links@example.com');
    const token = await tokens.issue(account.id, 'email-change', 3600, { newEmail: 'moved@example.com' });
    const stored = await server.services.db.prisma.accountToken.findMany({ where: { accountId: account.id } });
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await tokens.peek(token, 'email-change')).toMatchObject({ accountId: account.id, newEmail: 'moved@example.com', alreadyUsed: false });
    expect(await tokens.take(token, 'password-reset')).toBeUndefined();
    expect(await tokens.take(token, 'email-change')).toMatchObject({ newEmail: 'moved@example.com', alreadyUsed: false });
    expect(await tokens.take(token, 'email-change')).toMatchObject({ alreadyUsed: true });
  });

  test('asking again replaces the earlier link; an expired link is not taken', async () => {
    const account = await createUser(server, 'again@example.com');
    const first = await tokens.issue(account.id, 'password-reset', 1800);
    const second = await tokens.issue(account.id, 'password-reset', 1800, { replacing: true });
    expect(await tokens.take(first, 'password-reset')).toBeUndefined();
    now = new Date(now.getTime() + hours(1));
    expect(await tokens.take(second, 'password-reset')).toBeUndefined();
  });

  test('prune drops links a day past their expiry and keeps the rest', async () => {
    const account = await createUser(server, 'prune@example.com');
    const old = await tokens.issue(account.id, 'verify-email', 3600);
    now = new Date(now.getTime() + hours(2));
    const fresh = await tokens.issue(account.id, 'verify-email', 3600);
    now = new Date(now.getTime() + hours(24));
    expect(await tokens.prune()).toBeGreaterThanOrEqual(1);
    now = new Date(now.getTime() - hours(26));
    expect(await tokens.peek(old, 'verify-email')).toBeUndefined();
    expect(await tokens.peek(fresh, 'verify-email')).toBeDefined();
  });
});
