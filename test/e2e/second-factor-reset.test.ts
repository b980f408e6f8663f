import { CLI_CONTEXT } from '../../src/management/operation-context.ts';
import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { Authenticator } from '../support/authenticator.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let app: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer();
  app = await registerClient(server, { client_name: 'Reset Demo', scope: 'openid email' });
});
afterAll(() => server.close());

/** An account with TOTP on, enrolled through the service as the account page does. */
async function enrolledUser(email: string) {
  const account = await createUser(server, email);
  const enrolment = (await server.services.totp.startEnrolment(account.id, email))!;
  const confirmed = await server.services.totp.confirmEnrolment(account.id, await new Authenticator(enrolment.secret).code(), '127.0.0.1');
  expect(confirmed).toBeTruthy();
  expect((await server.services.totp.summary(account.id)).enrolled).toBe(true);
  return account;
}

describe('an admin resets the second factors of someone who lost their phone', () => {
  test('through the admin API: TOTP goes, the account is signed out, the password alone signs in again; audited', async () => {
    const account = await enrolledUser('lost.phone@example.com');
    const browser = new Browser();
    const before = await browser.follow((await authorizationRequest(app)).url.toString());
    const asked = await browser.submit(before, /\/login$/, { email: 'lost.phone@example.com', password: 'correct horse battery staple' });
    expect(asked.html).toContain('name="code"');

    const admin = await createAdminClient(server);
    const call = adminCall(server, await adminToken(server, admin));
    const reset = await call('DELETE', `/admin/v1/users/${account.id}/second-factors`);
    expect(reset.status).toBe(204);
    expect((await server.services.totp.summary(account.id)).enrolled).toBe(false);
    expect((await call('DELETE', '/admin/v1/users/nobody-here/second-factors')).status).toBe(404);

    await signIn(new Browser(), await authorizationRequest(app), 'lost.phone@example.com');
    const audited = await server.services.db.prisma.auditEvent.findMany({ where: { action: 'user.second_factors_reset', target: account.id } });
    expect(audited).toHaveLength(1);
    expect(audited[0]!.detail).toMatchObject({ totp_removed: true, passkeys_removed: 0 });
  });

  test('through the management layer the CLI uses, and it ends the sessions the lost device had', async () => {
    const account = await enrolledUser('lost.again@example.com');
    const result = await server.services.management.users.resetSecondFactors(CLI_CONTEXT, 'lost.again@example.com');
    expect(result).toMatchObject({ id: account.id, totpRemoved: true, passkeysRemoved: 0 });
    const after = await server.services.accounts.find(account.id);
    expect(after!.sessionsRevokedAt).not.toBeNull();
  });
});
