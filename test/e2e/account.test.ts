import * as oidc from 'openid-client';
import { ACCOUNT_CLIENT_ID } from '../../src/account/account-client.ts';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, PASSWORD, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

let smtp: TestSmtp;
let server: TestServer;
let app: RegisteredClient;

const NEW_PASSWORD = 'amber gulls circle the old lighthouse';

beforeAll(async () => {
  smtp = await startTestSmtp();
  server = await startTestServer({ SMTP_URL: smtp.url });
  app = await registerClient(server, { client_name: 'Photo Printer', scope: 'openid email profile offline_access', grant_types: ['authorization_code', 'refresh_token'] });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

const accountUrl = () => `${server.issuer}/account`;

/** Opens /account and signs in through the provider's login page when asked; returns the account page. */
async function openAccount(browser: Browser, email: string, password = PASSWORD): Promise<Page> {
  let page = await browser.follow(accountUrl());
  if (Browser.forms(page).some((form) => /\/login$/.test(form.action))) page = await browser.submit(page, /\/login$/, { email, password });
  return page;
}

const submitOnAccount = (browser: Browser, page: Page, action: RegExp, values: Record<string, string> = {}) => browser.submit(page, action, values);

/** Makes this browser's account-page sign-in `seconds` older, as if it had been open that long. */
async function ageAccountSession(browser: Browser, seconds: number) {
  const signed = /portcullis\.account=([^;]+)/.exec(browser.cookieHeader())![1]!;
  const sessionId = decodeURIComponent(signed);
  const stored = server.services.store.adapterFor('AccountSession');
  const current = (await stored.find(sessionId))!;
  await stored.upsert(sessionId, { ...current, authTime: Math.floor(Date.now() / 1000) - seconds }, 600);
}

async function connectApp(browser: Browser, email: string, scope = 'openid email offline_access') {
  const request = await authorizationRequest(app, { scope, prompt: 'consent' });
  const tokens = await exchange(app, await signIn(browser, request, email), request);
  expect(tokens.refresh_token).toBeDefined();
  return tokens;
}

describe('the account page', () => {
  test('signs in through the provider as its own first-party client, with no consent asked', async () => {
    await createUser(server, 'page@example.com');
    const browser = new Browser();
    const first = await browser.follow(accountUrl(), (next) => next.includes('/auth?'));
    const authorize = new URL(first.url);
    expect(authorize.searchParams.get('client_id')).toBe(ACCOUNT_CLIENT_ID);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const page = await openAccount(browser, 'page@example.com');
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${server.issuer}/account`);
    expect(page.html).toContain('Signed in as <strong>page@example.com</strong>');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // Portcullis's own client is not one of the person's connected apps.
    expect(page.html).toContain('No app can use your account.');
  });

  test('a callback with a forged state or code signs nobody in', async () => {
    const browser = new Browser();
    await browser.follow(accountUrl(), (next) => next.includes('/auth?'));
    const forged = await browser.follow(`${server.issuer}/account/callback?code=abc&state=nope`);
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('That sign-in did not work');
    const again = await browser.follow(accountUrl(), (next) => next.includes('/auth?'));
    expect(again.url).toContain('/auth?');
  });

  test('the built-in client cannot be registered, changed or deleted by an admin', async () => {
    await expect(server.services.clients.create({ client_id: ACCOUNT_CLIENT_ID, redirect_uris: ['https://evil.example/cb'] })).rejects.toThrow(/reserved/);
    await expect(server.services.clients.delete(ACCOUNT_CLIENT_ID)).rejects.toThrow(/reserved/);
    await expect(server.services.clients.update(ACCOUNT_CLIENT_ID, { redirect_uris: ['https://evil.example/cb'] })).rejects.toThrow(/reserved/);
  });

  test('every form needs the session\'s CSRF token', async () => {
    await createUser(server, 'csrf@example.com');
    const browser = new Browser();
    const page = await openAccount(browser, 'csrf@example.com');
    expect(page.status).toBe(200);
    const refused = await browser.request(`${server.issuer}/account/profile`, { form: { name: 'Mallory', csrf: 'wrong' } });
    expect(refused.status).toBe(403);
    expect((await server.services.accounts.resolve('csrf@example.com')).name).toBe('Test User');
  });

  test('profile: the name changes, and userinfo says so', async () => {
    await createUser(server, 'profile@example.com');
    const browser = new Browser();
    const page = await openAccount(browser, 'profile@example.com');
    const saved = await submitOnAccount(browser, page, /\/account\/profile$/, { name: 'Grace Hopper' });
    expect(saved.html).toContain('Your profile was saved.');
    expect(saved.html).toContain('value="Grace Hopper"');
    const tokens = await connectApp(browser, 'profile@example.com', 'openid profile offline_access');
    const claims = await oidc.fetchUserInfo(app.config, tokens.access_token, tokens.claims()!.sub);
    expect(claims.name).toBe('Grace Hopper');
  });

  test('connected apps: listed with what they may do, and removing one ends its refresh and access tokens', async () => {
    await createUser(server, 'apps@example.com');
    const browser = new Browser();
    const tokens = await connectApp(browser, 'apps@example.com');
    const page = await openAccount(browser, 'apps@example.com');
    expect(page.html).toContain('<strong>Photo Printer</strong>');
    expect(page.html).toContain('Stay connected when you are not using it');
    const removed = await submitOnAccount(browser, page, /\/account\/apps\/revoke$/);
    expect(removed.html).toContain('The app can no longer use your account.');
    expect(removed.html).toContain('No app can use your account.');
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const introspected = await oidc.tokenIntrospection(app.config, tokens.access_token);
    expect(introspected.active).toBe(false);
    const audited = await server.services.db.prisma.auditEvent.findMany({ where: { action: 'user.app_revoked' } });
    expect(audited.map((event) => (event.detail as { client_id?: string }).client_id)).toContain(app.clientId);
  });

  test('sessions: each browser is listed, and "sign out all other sessions" ends the others, not this one', async () => {
    await createUser(server, 'sessions@example.com');
    const laptop = new Browser();
    const phone = new Browser();
    await openAccount(phone, 'sessions@example.com');
    const page = await openAccount(laptop, 'sessions@example.com');
    expect(page.html).toContain('(this browser)');
    expect(page.html.match(/<span class="muted">signed in \d{4}-/g)).toHaveLength(2);
    const after = await submitOnAccount(laptop, page, /\/account\/sessions\/sign-out$/, {});
    expect(after.html).toContain('Your other sessions were signed out.');
    expect(after.html.match(/<span class="muted">signed in \d{4}-/g)).toHaveLength(1);
    const phoneAgain = await phone.follow(accountUrl(), (next) => next.includes('/auth?'));
    expect(phoneAgain.url).toContain('/auth?');
    const login = await phone.follow(phoneAgain.url);
    expect(Browser.forms(login).some((form) => /\/login$/.test(form.action))).toBe(true);
    expect((await laptop.follow(accountUrl())).status).toBe(200);
  });

  test('password change: the current password first, then every session ends and only the new password works', async () => {
    await createUser(server, 'password@example.com');
    const browser = new Browser();
    const tokens = await connectApp(browser, 'password@example.com');
    const page = await openAccount(browser, 'password@example.com');
    const wrong = await submitOnAccount(browser, page, /\/account\/password$/, { current_password: 'not my password at all', password: NEW_PASSWORD });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('That is not your current password.');
    const weak = await submitOnAccount(browser, page, /\/account\/password$/, { current_password: PASSWORD, password: 'password123' });
    expect(weak.status).toBe(400);
    expect(weak.html).toMatch(/at least 15 characters|common/);
    const changed = await submitOnAccount(browser, page, /\/account\/password$/, { current_password: PASSWORD, password: NEW_PASSWORD });
    expect(changed.status).toBe(200);
    expect(changed.html).toContain('Password changed');
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await browser.follow(accountUrl(), (next) => next.includes('/auth?'))).url).toContain('/auth?');
    expect(await server.services.accounts.authenticate('password@example.com', PASSWORD)).toBeNull();
    expect(await server.services.accounts.authenticate('password@example.com', NEW_PASSWORD)).not.toBeNull();
    const notice = await smtp.waitForMail((mail) => JSON.stringify(mail.to).includes('password@example.com') && /password was changed/.test(mail.subject ?? ''), 5000);
    expect(linkIn(notice)).toBe(`${server.issuer}/account`);
  });

  test('email change: confirmed from the new mailbox (a button, not the GET), then the old address is told', async () => {
    await createUser(server, 'old.address@example.com');
    const browser = new Browser();
    const page = await openAccount(browser, 'old.address@example.com');
    const sent = await submitOnAccount(browser, page, /\/account\/email$/, { email: 'New.Address@example.com', password: PASSWORD });
    expect(sent.html).toContain('We sent a link to your new address.');
    const mail = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).toLowerCase().includes('new.address@example.com'), 5000);
    const link = linkIn(mail);
    expect(link.startsWith(`${server.issuer}/account/email/confirm?token=`)).toBe(true);

    const elsewhere = new Browser();
    const confirm = await elsewhere.follow(link);
    expect(confirm.status).toBe(200);
    expect((await server.services.accounts.resolve('old.address@example.com')).email).toBe('old.address@example.com');
    const done = await elsewhere.submit(confirm, /\/account\/email\/confirm$/);
    expect(done.html).toContain('Your account now uses <strong>New.Address@example.com</strong>');
    const moved = await server.services.accounts.resolve('new.address@example.com');
    expect(moved.emailVerified).toBe(true);
    const notice = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).includes('old.address@example.com') && /was changed/.test(candidate.subject ?? ''), 5000);
    expect(notice.text).toContain('no longer uses this address');
    expect(notice.text).not.toContain('new.address');
    expect((await elsewhere.submit(confirm, /\/account\/email\/confirm$/)).status).toBe(400);
  });

  test('an email-change link asked for before a password change no longer moves the account', async () => {
    await createUser(server, 'hijack.target@example.com');
    const intruder = new Browser();
    const page = await openAccount(intruder, 'hijack.target@example.com');
    await submitOnAccount(intruder, page, /\/account\/email$/, { email: 'intruder.mailbox@example.com', password: PASSWORD });
    const mail = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).includes('intruder.mailbox@example.com'), 5000);
    // The owner notices and changes the password (a reset would do the same).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await server.services.accounts.setPassword('hijack.target@example.com', NEW_PASSWORD);
    const confirm = await intruder.follow(linkIn(mail));
    const refused = confirm.status === 200 ? await intruder.submit(confirm, /\/account\/email\/confirm$/) : confirm;
    expect(refused.status).toBe(400);
    expect((await server.services.accounts.resolve('hijack.target@example.com')).email).toBe('hijack.target@example.com');
  });

  test('after an email change, links mailed to the old address stop working', async () => {
    const account = await createUser(server, 'moving.on@example.com');
    const reset = await server.services.selfService.tokens.issue(account.id, 'password-reset', 1800);
    const browser = new Browser();
    const page = await openAccount(browser, 'moving.on@example.com');
    await submitOnAccount(browser, page, /\/account\/email$/, { email: 'moved.on@example.com', password: PASSWORD });
    const mail = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).includes('moved.on@example.com'), 5000);
    const confirm = await browser.follow(linkIn(mail));
    expect((await browser.submit(confirm, /\/account\/email\/confirm$/)).status).toBe(200);
    expect(await server.services.selfService.tokens.peek(reset, 'password-reset')).toBeUndefined();
  });

  test('email change to an address that has an account: the same answer, and no mail to it', async () => {
    await createUser(server, 'taken@example.com');
    await createUser(server, 'wants.taken@example.com');
    const browser = new Browser();
    const page = await openAccount(browser, 'wants.taken@example.com');
    const sent = await submitOnAccount(browser, page, /\/account\/email$/, { email: 'taken@example.com', password: PASSWORD });
    expect(sent.html).toContain('We sent a link to your new address.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.filter((mail) => JSON.stringify(mail.to).includes('"taken@example.com"') && /new email/i.test(mail.subject ?? ''))).toHaveLength(0);
  });

  test('delete: asks for the password again when the sign-in is not recent, then everything ends', async () => {
    const account = await createUser(server, 'delete.me@example.com');
    const browser = new Browser();
    const tokens = await connectApp(browser, 'delete.me@example.com');
    await openAccount(browser, 'delete.me@example.com');
    await ageAccountSession(browser, 3600);

    const ask = await browser.follow(`${server.issuer}/account/delete`, (next) => next.includes('/auth?'));
    const reauth = new URL(ask.url);
    expect(reauth.searchParams.get('prompt')).toBe('login');
    expect(reauth.searchParams.get('max_age')).toBe('0');
    const login = await browser.follow(ask.url);
    const confirm = await browser.submit(login, /\/login$/, { email: 'delete.me@example.com', password: PASSWORD });
    expect(confirm.url).toBe(`${server.issuer}/account/delete`);
    expect(confirm.html).toContain('Delete your account?');
    const deleted = await browser.submit(confirm, /\/account\/delete$/);
    expect(deleted.html).toContain('Your account was deleted');
    expect(await server.services.accounts.find(account.id)).toBeNull();
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});

describe('the built-in client', () => {
  test('its codes are worth nothing at the token endpoint, even with the right PKCE verifier', async () => {
    await createUser(server, 'code.leak@example.com');
    const victim = new Browser();
    await openAccount(victim, 'code.leak@example.com');
    const verifier = oidc.randomPKCECodeVerifier();
    const started = new URL(`${server.issuer}/auth`);
    started.search = new URLSearchParams({ client_id: ACCOUNT_CLIENT_ID, response_type: 'code', scope: 'openid', redirect_uri: `${server.issuer}/account/callback`, state: 'x', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString();
    const landed = await victim.follow(started.toString(), (next) => next.startsWith(`${server.issuer}/account/callback`));
    const code = new URL(landed.url).searchParams.get('code');
    expect(code).toBeTruthy();
    const redeemed = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, code_verifier: verifier, client_id: ACCOUNT_CLIENT_ID, redirect_uri: `${server.issuer}/account/callback` }),
    });
    expect(redeemed.status).toBe(401);
    expect(((await redeemed.json()) as { error: string }).error).toBe('invalid_client');
  });
});

describe('second factors on the account page', () => {
  test('changing them asks for the password again when the page signed in more than 15 minutes ago', async () => {
    await createUser(server, 'stale.session@example.com');
    const browser = new Browser();
    await openAccount(browser, 'stale.session@example.com');
    expect((await browser.follow(`${server.issuer}/account/security/totp`)).status).toBe(200);
    await ageAccountSession(browser, 20 * 60);
    const ask = await browser.follow(`${server.issuer}/account/security/totp`, (next) => next.includes('/auth?'));
    expect(new URL(ask.url).searchParams.get('prompt')).toBe('login');
    const overview = await browser.follow(accountUrl());
    const csrf = Browser.forms(overview)[0]!.fields.csrf!;
    const refused = await browser.request(`${server.issuer}/account/security/totp/remove`, { form: { csrf, code: '123456' } });
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toBe('/account/security/totp');
    const login = await browser.follow(ask.url);
    const back = await browser.submit(login, /\/login$/, { email: 'stale.session@example.com', password: PASSWORD });
    expect(back.url).toBe(`${server.issuer}/account/security/totp`);
    expect(back.status).toBe(200);
  });
});

describe('consent: "Not you?"', () => {
  test('someone else signs in instead, and the app gets their code, not the first account\'s', async () => {
    await createUser(server, 'first.person@example.com');
    const second = await createUser(server, 'second.person@example.com');
    const browser = new Browser();
    const request = await authorizationRequest(app, { scope: 'openid email', prompt: 'consent' });
    const login = await browser.follow(request.url.toString());
    const consent = await browser.submit(login, /\/login$/, { email: 'first.person@example.com', password: PASSWORD });
    expect(consent.html).toContain('Not you? Use another account');
    let page = await browser.submit(consent, /\/switch-account$/);
    expect(Browser.forms(page).some((form) => /\/login$/.test(form.action))).toBe(true);
    page = await browser.submit(page, /\/login$/, { email: 'second.person@example.com', password: PASSWORD });
    expect(page.html).toContain('second.person@example.com');
    const callback = await browser.submit(page, /\/confirm$/, {}, (next) => next.startsWith('http://127.0.0.1:9999/callback'));
    const tokens = await exchange(app, new URL(callback.url), request);
    expect(tokens.claims()!.sub).toBe(second.id);
  });

  test('is not offered for a pushed request, whose parameters must stay off the URL', async () => {
    await createUser(server, 'pushed.person@example.com');
    const browser = new Browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(app.config, {
      redirect_uri: 'http://127.0.0.1:9999/callback',
      scope: 'openid email',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    });
    const login = await browser.follow(url.toString());
    const consent = await browser.submit(login, /\/login$/, { email: 'pushed.person@example.com', password: PASSWORD });
    expect(consent.html).toContain('/confirm');
    expect(consent.html).not.toContain('switch-account');
    const uid = /\/interaction\/([^/"]+)\/confirm/.exec(consent.html)![1]!;
    const csrf = Browser.forms(consent)[0]!.fields.csrf!;
    expect((await browser.request(`${server.issuer}/interaction/${uid}/switch-account`, { form: { csrf } })).status).toBe(400);
  });

  test('auth_time is when the password was typed, not when consent was given later', async () => {
    await createUser(server, 'slow.consent@example.com');
    const browser = new Browser();
    const request = await authorizationRequest(app, { scope: 'openid email', prompt: 'consent', max_age: '600' });
    const login = await browser.follow(request.url.toString());
    const typedAt = Math.floor(Date.now() / 1000);
    const consent = await browser.submit(login, /\/login$/, { email: 'slow.consent@example.com', password: PASSWORD });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const callback = await browser.submit(consent, /\/confirm$/, {}, (next) => next.startsWith('http://127.0.0.1:9999/callback'));
    const tokens = await exchange(app, new URL(callback.url), request);
    expect(tokens.claims()!.auth_time).toBeLessThanOrEqual(typedAt + 1);
  });
});
