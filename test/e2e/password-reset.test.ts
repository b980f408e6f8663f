import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, isCallback, PASSWORD, registerClient, REDIRECT_URI, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

let smtp: TestSmtp;
let server: TestServer;
let client: RegisteredClient;

const NEW_PASSWORD = 'a kettle hums beside the window';

beforeAll(async () => {
  smtp = await startTestSmtp();
  server = await startTestServer({ SMTP_URL: smtp.url });
  client = await registerClient(server, { client_name: 'Reset Demo', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email offline_access' });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

const mailTo = (address: string, subject: RegExp) => smtp.waitForMail((mail) => JSON.stringify(mail.to).includes(address) && subject.test(mail.subject ?? ''), 5000);

/** From the login page's link to the "check your email" answer. */
async function askForLink(browser: Browser, email: string) {
  const login = await browser.follow((await authorizationRequest(client)).url.toString());
  const link = /href="(\/interaction\/[^"]+\/password-reset)"/.exec(login.html)?.[1];
  expect(link).toBeDefined();
  const form = await browser.follow(new URL(link!, server.issuer).toString());
  expect(form.status).toBe(200);
  expect(form.html).toContain('name="email"');
  const started = performance.now();
  const answer = await browser.submit(form, /\/password-reset$/, { email });
  return { answer, ms: performance.now() - started };
}

test('forgot password → mail → new password: the old one fails, every session and refresh token ends, audited', async () => {
  await createUser(server, 'reset.me@example.com');
  const before = new Browser();
  const request = await authorizationRequest(client, { scope: 'openid email offline_access', prompt: 'consent' });
  const tokens = await exchange(client, await signIn(before, request, 'reset.me@example.com'), request);

  const { answer } = await askForLink(new Browser(), 'reset.me@example.com');
  expect(answer.status).toBe(200);
  expect(answer.html).toContain('If an account exists for');
  const link = linkIn(await mailTo('reset.me@example.com', /password/i));
  expect(link.startsWith(`${server.issuer}/password-reset/choose?token=`)).toBe(true);

  const browser = new Browser();
  const choose = await browser.follow(link);
  expect(choose.status).toBe(200);
  expect(choose.html).toContain('name="password"');
  const weak = await browser.submit(choose, /\/password-reset\/choose$/, { password: 'short one' });
  expect(weak.status).toBe(400);
  expect(weak.html).toContain('at least 15 characters');
  const done = await browser.submit(weak, /\/password-reset\/choose$/, { password: NEW_PASSWORD });
  expect(done.status).toBe(200);
  expect(done.html).toContain('Password changed');

  expect(await server.services.accounts.authenticate('reset.me@example.com', PASSWORD)).toBeNull();
  expect(await server.services.accounts.authenticate('reset.me@example.com', NEW_PASSWORD)).not.toBeNull();
  await expect(oidc.refreshTokenGrant(client.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  const silent = await before.follow((await authorizationRequest(client, { prompt: 'none' })).url.toString(), isCallback);
  expect(new URL(silent.url).searchParams.get('error')).toBe('login_required');

  await mailTo('reset.me@example.com', /changed/i);
  const account = await server.services.accounts.resolve('reset.me@example.com');
  const audited = await server.services.db.prisma.auditEvent.findMany({ where: { target: account.id } });
  expect(audited.map((event) => event.action)).toEqual(expect.arrayContaining(['user.password_reset_requested', 'user.password_reset']));

  // The link worked once.
  const again = await new Browser().follow(link);
  expect(again.status).toBe(400);
  expect(again.html).toContain('expired or is not valid');
  // Not a dead end: the page links to where a new link is asked for.
  expect(again.html).toContain('<a href="/password-reset">Ask for a new link</a>');
});

test('an unknown address gets the same answer, after about the same time, and no mail', async () => {
  await createUser(server, 'known@example.com');
  const known = await askForLink(new Browser(), 'known@example.com');
  await mailTo('known@example.com', /password/i);
  const count = smtp.messages.length;
  const unknown = await askForLink(new Browser(), 'nobody-here@example.com');
  expect(unknown.answer.status).toBe(known.answer.status);
  const shape = (html: string, email: string) => html.replace(email, 'X').replace(/\/interaction\/[^/"]+/g, '/interaction/UID');
  expect(shape(unknown.answer.html, 'nobody-here@example.com')).toBe(shape(known.answer.html, 'known@example.com'));
  for (const { ms } of [known, unknown]) expect(ms).toBeGreaterThanOrEqual(390);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(smtp.messages.length).toBe(count);
});

test('asking again replaces the earlier link; the standalone page works without a sign-in', async () => {
  await createUser(server, 'twice@example.com');
  const browser = new Browser();
  const form = await browser.follow(`${server.issuer}/password-reset`);
  expect(form.status).toBe(200);
  await browser.submit(form, /\/password-reset$/, { email: 'twice@example.com' });
  const first = linkIn(await mailTo('twice@example.com', /password/i));
  await browser.submit(await browser.follow(`${server.issuer}/password-reset`), /\/password-reset$/, { email: 'twice@example.com' });
  const second = await smtp.waitForMail((mail) => JSON.stringify(mail.to).includes('twice@example.com') && linkIn(mail) !== first, 5000);
  expect((await new Browser().follow(first)).status).toBe(400);
  expect((await new Browser().follow(linkIn(second))).status).toBe(200);
});

test('a tampered token and a form without its CSRF cookie are refused', async () => {
  expect((await new Browser().follow(`${server.issuer}/password-reset/choose?token=${'B'.repeat(43)}`)).status).toBe(400);
  const response = await fetch(`${server.issuer}/password-reset/choose`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${'B'.repeat(43)}&password=whatever+it+is+long` });
  expect(response.status).toBe(403);
});
