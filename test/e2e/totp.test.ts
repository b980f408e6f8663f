import { isSealed } from '../../src/crypto/key-sealer.ts';
import { Authenticator } from '../support/authenticator.ts';
import { Browser, type Page } from '../support/browser.ts';
import {
  authorizationRequest,
  createUser,
  exchange,
  isCallback,
  PASSWORD,
  registerClient,
  REDIRECT_URI,
  signIn,
  type AuthorizationRequest,
  type RegisteredClient,
} from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Two-step verification end to end: enrolment on the real account page (`/account/security/totp`,
 * signed in through `/account`), the code step at sign-in for an openid-client relying party, and
 * `acr`/`amr`/`acr_values`. Codes come from otplib, for the key the page shows.
 */

// LOGIN_MAX_ATTEMPTS, small so that the throttling test reaches it quickly (each test has its own account).
const MAX_CODE_ATTEMPTS = 4;

let server: TestServer;
let client: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer({
    KEY_ENCRYPTION_KEY: 'totp test key-encryption key, 32+ characters',
    LOGIN_MAX_ATTEMPTS: String(MAX_CODE_ATTEMPTS),
  });
  client = await registerClient(server, { client_name: 'TOTP Demo', redirect_uris: [REDIRECT_URI], scope: 'openid email profile' });
});
afterAll(() => server?.close());

const TOTP_PAGE = () => `${server.issuer}/account/security/totp`;

/** A browser signed in to the account page as `email` (an account without TOTP yet: the password is enough). */
async function accountBrowser(email: string): Promise<Browser> {
  const browser = new Browser();
  const login = await browser.follow(`${server.issuer}/account`);
  const overview = await browser.submit(login, /\/login$/, { email, password: PASSWORD });
  expect(overview.status).toBe(200);
  expect(overview.url).toBe(`${server.issuer}/account`);
  return browser;
}

/** Turns TOTP on through the account page: the key read off the page, a code from it confirms. */
async function enrol(browser: Browser): Promise<{ authenticator: Authenticator; recoveryCodes: string[]; page: Page }> {
  const setup = await browser.request(TOTP_PAGE());
  expect(setup.status).toBe(200);
  const authenticator = Authenticator.fromPage(setup.html);
  const page = await browser.submit(setup, /\/account\/security\/totp$/, { code: await authenticator.code() });
  expect(page.status).toBe(200);
  const recoveryCodes = [...page.html.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((match) => match[1]!);
  return { authenticator, recoveryCodes, page };
}

async function userWithTotp(email: string) {
  await createUser(server, email);
  return enrol(await accountBrowser(email));
}

/** From the authorization request through the password: whatever page comes next. */
async function afterPassword(browser: Browser, request: AuthorizationRequest, email: string): Promise<Page> {
  const login = await browser.follow(request.url.toString(), isCallback);
  expect(Browser.forms(login).some((form) => /\/login$/.test(form.action))).toBe(true);
  return browser.submit(login, /\/login$/, { email, password: PASSWORD }, isCallback);
}

const submitCode = (browser: Browser, page: Page, code: string) => browser.submit(page, /\/mfa$/, { code }, isCallback);

/** Consent (once per client and account) and back to the client. */
async function toCallback(browser: Browser, page: Page): Promise<URL> {
  let current = page;
  if (!isCallback(current.url) && Browser.forms(current).some((form) => /\/confirm$/.test(form.action)))
    current = await browser.submit(current, /\/confirm$/, {}, isCallback);
  if (!isCallback(current.url)) throw new Error(`no callback (status ${current.status}): ${current.html.slice(0, 400)}`);
  return new URL(current.url);
}

type AuditEvent = Awaited<ReturnType<TestServer['services']['audit']['page']>>['items'][number];

/** Waits (briefly) for an audit event: sign-in events are written in the background. */
async function expectAudited(action: string, matches: (event: AuditEvent) => boolean): Promise<void> {
  for (let tries = 0; tries < 50; tries += 1) {
    if ((await server.services.audit.page({ limit: 100 }, { action })).items.some(matches)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${action} audit event as expected`);
}

describe('enrolment on the account page', () => {
  test('the page shows a QR code, the key and the otpauth URI; a code turns TOTP on and shows 10 recovery codes once', async () => {
    await createUser(server, 'enrol@example.com');
    const browser = await accountBrowser('enrol@example.com');
    const overview = await browser.request(`${server.issuer}/account`);
    expect(overview.html).toContain('<a href="/account/security/totp">Set up two-step verification</a>');
    // Signed out, the page is behind the account sign-in.
    const signedOut = await new Browser().request(TOTP_PAGE());
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get('location')).toContain('/auth?');
    const setup = await browser.request(TOTP_PAGE());
    expect(setup.status).toBe(200);
    expect(setup.headers.get('cache-control')).toBe('no-store');
    expect(setup.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(setup.headers.get('x-frame-options')).toBe('DENY');
    expect(setup.html).toMatch(
      /<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" [^>]*alt="QR code that adds enrol@example.com/,
    );
    const authenticator = Authenticator.fromPage(setup.html);
    expect(authenticator.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = /<textarea id="otpauth-uri"[^>]*>([^<]+)<\/textarea>/.exec(setup.html)?.[1]?.replace(/&amp;/g, '&');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Portcullis:enrol%40example\.com\?/);
    expect(new URL(uri!).searchParams.get('secret')).toBe(authenticator.secret);
    expect(new URL(uri!).searchParams.get('issuer')).toBe('Portcullis');
    const form = Browser.forms(setup).find((candidate) => candidate.action.endsWith('/account/security/totp'))!;
    expect(form.method).toBe('POST');
    expect(Object.keys(form.fields).sort()).toEqual(['code', 'csrf']);

    // A reload shows the same key: what the app scanned still works.
    expect(Authenticator.fromPage((await browser.request(TOTP_PAGE())).html).secret).toBe(authenticator.secret);

    // Every POST carries the account session's CSRF token.
    const forged = await browser.request(TOTP_PAGE(), { form: { code: '123456' } });
    expect(forged.status).toBe(403);
    expect((await browser.request(TOTP_PAGE(), { form: { csrf: 'not-the-token', code: '123456' } })).status).toBe(403);

    const wrong = await browser.submit(setup, /\/account\/security\/totp$/, { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('role="alert"');
    expect(Authenticator.fromPage(wrong.html).secret).toBe(authenticator.secret);
    expect(await server.services.totp.isEnrolled((await server.services.accounts.resolve('enrol@example.com')).id)).toBe(false);

    const done = await browser.submit(setup, /\/account\/security\/totp$/, { code: await authenticator.code() });
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    const codes = [...done.html.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((match) => match[1]);
    expect(new Set(codes).size).toBe(10);
    expect(done.html).toMatch(/href="\/account\?done=totp-enrolled"/);

    // Shown once: the page now manages TOTP and shows no codes.
    const manage = await browser.request(TOTP_PAGE());
    expect(manage.html).toContain('10</strong> of 10 recovery codes left');
    for (const code of codes) expect(manage.html).not.toContain(code);
    expect((await browser.request(`${server.issuer}/account`)).html).toContain('10 recovery codes left');

    // At rest: the secret sealed, the recovery codes as hashes only.
    const accountId = (await server.services.accounts.resolve('enrol@example.com')).id;
    const row = await server.services.db.prisma.totpCredential.findUniqueOrThrow({ where: { accountId } });
    expect(isSealed(row.secret)).toBe(true);
    const stored = JSON.stringify(row) + JSON.stringify(await server.services.db.prisma.recoveryCode.findMany({ where: { accountId } }));
    expect(stored).not.toContain(authenticator.secret);
    for (const code of codes) expect(stored).not.toContain(code!.replace('-', ''));
    await expectAudited('user.totp_enrolled', (event) => event.target === accountId);
  });
});

describe('signing in with a code', () => {
  test('the password step asks for a code; the right one gives tokens with amr pwd+otp+mfa and acr mfa; the same code again is refused', async () => {
    const { authenticator } = await userWithTotp('coded@example.com');
    const browser = new Browser();
    const request = await authorizationRequest(client);
    const codeStep = await afterPassword(browser, request, 'coded@example.com');
    expect(codeStep.status).toBe(200);
    expect(isCallback(codeStep.url)).toBe(false);
    expect(codeStep.headers.get('cache-control')).toBe('no-store');
    const form = Browser.forms(codeStep).find((candidate) => /\/interaction\/[^/]+\/mfa$/.test(candidate.action))!;
    expect(Object.keys(form.fields).sort()).toEqual(['code', 'csrf']);

    const callback = await toCallback(browser, await submitCode(browser, codeStep, await authenticator.code()));
    const tokens = await exchange(client, callback, request);
    const claims = tokens.claims()!;
    expect(claims.acr).toBe('mfa');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    expect(claims.sub).toBe((await server.services.accounts.resolve('coded@example.com')).id);

    // Replayed from another browser: the password is right, the code is not accepted twice.
    const other = new Browser();
    const replayStep = await afterPassword(other, await authorizationRequest(client), 'coded@example.com');
    const replay = await submitCode(other, replayStep, await authenticator.lastCode());
    expect(replay.status).toBe(401);
    expect(replay.html).toContain('That code did not work');
    expect(Browser.forms(replay).some((candidate) => /\/mfa$/.test(candidate.action))).toBe(true);
    await expectAudited('login.failed', (event) => event.target === claims.sub && event.detail?.reason === 'bad_code');
  });

  test('a recovery code signs in once, with amr pwd+otp; the second use is refused; its use is audited', async () => {
    const { recoveryCodes } = await userWithTotp('recovering@example.com');
    const [code] = recoveryCodes as [string];
    const browser = new Browser();
    const request = await authorizationRequest(client);
    const step = await afterPassword(browser, request, 'recovering@example.com');
    const tokens = await exchange(client, await toCallback(browser, await submitCode(browser, step, code.toUpperCase())), request);
    expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

    const again = new Browser();
    const refused = await submitCode(again, await afterPassword(again, await authorizationRequest(client), 'recovering@example.com'), code);
    expect(refused.status).toBe(401);
    await expectAudited(
      'user.recovery_code_used',
      (event) => event.target === tokens.claims()!.sub && event.detail?.recovery_codes_left === 9,
    );
  });

  test('wrong codes are throttled like passwords: 429 with Retry-After, even for the right code, and the password alone gets no further', async () => {
    const { authenticator } = await userWithTotp('guessed@example.com');
    const browser = new Browser();
    const step = await afterPassword(browser, await authorizationRequest(client), 'guessed@example.com');
    const statuses: number[] = [];
    let last: Page = step;
    for (let i = 0; i < MAX_CODE_ATTEMPTS + 2; i += 1) {
      last = await submitCode(browser, step, String(100000 + i));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array<number>(MAX_CODE_ATTEMPTS).fill(401), 429, 429]);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.html).toContain('Too many wrong codes');
    const right = await submitCode(browser, step, await authenticator.code());
    expect(right.status).toBe(429);
    expect(isCallback(right.url)).toBe(false);
    // A right password again (which clears the password count) buys no more guesses.
    const fresh = new Browser();
    const again = await submitCode(fresh, await afterPassword(fresh, await authorizationRequest(client), 'guessed@example.com'), '123456');
    expect(again.status).toBe(429);
  });

  test('the code step is only for the browser whose password was right, in that sign-in', async () => {
    await userWithTotp('bound@example.com');
    const browser = new Browser();
    const step = await afterPassword(browser, await authorizationRequest(client), 'bound@example.com');
    const action = Browser.forms(step).find((form) => /\/mfa$/.test(form.action))!;

    // Another browser has neither this sign-in's CSRF cookie nor its interaction cookie.
    const stranger = await new Browser().request(action.action, { form: { ...action.fields, code: '123456' } });
    expect(stranger.status).toBe(403);

    // The same browser, a new sign-in whose password was not given: back to the login page.
    const login = await browser.follow((await authorizationRequest(client)).url.toString());
    const loginForm = Browser.forms(login).find((form) => /\/login$/.test(form.action))!;
    const skipped = await browser.request(loginForm.action.replace(/\/login$/, '/mfa'), {
      form: { csrf: loginForm.fields.csrf!, code: '123456' },
    });
    expect(skipped.status).toBe(303);
    expect(skipped.headers.get('location')).toMatch(/^\/interaction\/[^/]+$/);
  });
});

describe('acr and amr', () => {
  test('discovery lists acr_values_supported; a password-only sign-in is acr 1fa, amr pwd', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.acr_values_supported).toEqual(['1fa', 'mfa', 'http://schemas.openid.net/pape/policies/2007/06/multi-factor']);
    expect(discovery.claims_supported).toEqual(expect.arrayContaining(['acr', 'amr']));
    await createUser(server, 'onefactor@example.com');
    const request = await authorizationRequest(client);
    const claims = (await exchange(client, await signIn(new Browser(), request, 'onefactor@example.com'), request)).claims()!;
    expect(claims.acr).toBe('1fa');
    expect(claims.amr).toEqual(['pwd']);
  });

  test('acr_values=mfa for an account without a second factor: a page says how to set one up, and nobody is signed in', async () => {
    await createUser(server, 'nosecond@example.com');
    const browser = new Browser();
    const page = await afterPassword(browser, await authorizationRequest(client, { acr_values: 'mfa' }), 'nosecond@example.com');
    expect(page.status).toBe(403);
    expect(isCallback(page.url)).toBe(false);
    expect(page.html).toContain('TOTP Demo</strong> asks for two-step verification');
    expect(page.html).toContain('href="/account/security/totp"');
    const back = await browser.submit(page, /\/abort$/, {}, isCallback);
    expect(new URL(back.url).searchParams.get('error')).toBe('access_denied');
  });

  test('an essential acr asked through the claims parameter counts as acr_values', async () => {
    await createUser(server, 'claims-acr@example.com');
    const claims = JSON.stringify({ id_token: { acr: { essential: true, values: ['mfa'] } } });
    const page = await afterPassword(new Browser(), await authorizationRequest(client, { claims }), 'claims-acr@example.com');
    expect(page.status).toBe(403);
    expect(page.html).toContain('asks for two-step verification');
  });

  test('acr_values=mfa with a single-factor session asks for the password and the code again; without it the session is used as it is', async () => {
    await createUser(server, 'stepup@example.com');
    const browser = new Browser();
    const first = await authorizationRequest(client);
    expect((await exchange(client, await signIn(browser, first, 'stepup@example.com'), first)).claims()!.acr).toBe('1fa');
    const { authenticator } = await enrol(await accountBrowser('stepup@example.com'));

    // Single sign-on as before: no prompt, still the single-factor session.
    const plain = await authorizationRequest(client);
    const reused = await browser.follow(plain.url.toString(), isCallback);
    expect(isCallback(reused.url)).toBe(true);
    expect((await exchange(client, new URL(reused.url), plain)).claims()!.acr).toBe('1fa');

    // prompt=none cannot step up.
    const silent = await authorizationRequest(client, { acr_values: 'mfa', prompt: 'none' });
    const refused = await browser.follow(silent.url.toString(), isCallback);
    expect(new URL(refused.url).searchParams.get('error')).toBe('login_required');

    const stepUp = await authorizationRequest(client, { acr_values: 'mfa' });
    const codeStep = await afterPassword(browser, stepUp, 'stepup@example.com');
    expect(Browser.forms(codeStep).some((form) => /\/mfa$/.test(form.action))).toBe(true);
    const claims = (
      await exchange(client, await toCallback(browser, await submitCode(browser, codeStep, await authenticator.code())), stepUp)
    ).claims()!;
    expect(claims.acr).toBe('mfa');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));

    // The session is multi-factor now: a later request for it needs no prompt.
    const later = await authorizationRequest(client, { acr_values: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' });
    const direct = await browser.follow(later.url.toString(), isCallback);
    expect(isCallback(direct.url)).toBe(true);
  });

  test('the claims parameter is on; an essential acr that also accepts 1fa is met by a password sign-in', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.claims_parameter_supported).toBe(true);
    await createUser(server, 'claims@example.com');
    const request = await authorizationRequest(client, {
      claims: JSON.stringify({ id_token: { acr: { essential: true, values: ['1fa', 'mfa'] } } }),
    });
    const claims = (await exchange(client, await signIn(new Browser(), request, 'claims@example.com'), request)).claims()!;
    expect(claims.acr).toBe('1fa');
  });
});

describe('managing TOTP on the account page', () => {
  test('once TOTP is on, signing in to the account page itself takes the code too', async () => {
    const { authenticator } = await userWithTotp('ownpage@example.com');
    const browser = new Browser();
    const login = await browser.follow(`${server.issuer}/account`);
    const codeStep = await browser.submit(login, /\/login$/, { email: 'ownpage@example.com', password: PASSWORD });
    expect(Browser.forms(codeStep).some((form) => /\/mfa$/.test(form.action))).toBe(true);
    const overview = await browser.submit(codeStep, /\/mfa$/, { code: await authenticator.code() });
    expect(overview.url).toBe(`${server.issuer}/account`);
    expect(overview.html).toContain('Manage two-step verification');
  });

  test('new recovery codes replace the old; turning TOTP off takes a code, and then sign-in needs only the password', async () => {
    await createUser(server, 'manage@example.com');
    const browser = await accountBrowser('manage@example.com');
    const { authenticator, recoveryCodes } = await enrol(browser);
    const manage = await browser.request(TOTP_PAGE());

    const renewed = await browser.submit(manage, /\/recovery-codes$/);
    expect(renewed.status).toBe(200);
    const fresh = [...renewed.html.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((match) => match[1]!);
    expect(fresh).toHaveLength(10);
    const signInWith = async (code: string) => {
      const other = new Browser();
      return submitCode(other, await afterPassword(other, await authorizationRequest(client), 'manage@example.com'), code);
    };
    expect((await signInWith(recoveryCodes[0]!)).status).toBe(401);

    const wrong = await browser.submit(await browser.request(TOTP_PAGE()), /\/remove$/, { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('That code did not work');
    const removed = await browser.submit(await browser.request(TOTP_PAGE()), /\/remove$/, { code: await authenticator.code() }, (next) =>
      next.endsWith('/account?done=totp-removed'),
    );
    expect(removed.status).toBe(303);
    expect(removed.url).toMatch(/\/account\?done=totp-removed$/);
    const accountId = (await server.services.accounts.resolve('manage@example.com')).id;
    expect(await server.services.totp.summary(accountId)).toEqual({ enrolled: false, recoveryCodesLeft: 0 });
    await expectAudited('user.totp_removed', (event) => event.target === accountId);

    const request = await authorizationRequest(client);
    expect(isCallback((await signIn(new Browser(), request, 'manage@example.com')).toString())).toBe(true);
    // The enrolment page is offered again, with a new key.
    expect(Authenticator.fromPage((await browser.request(TOTP_PAGE())).html).secret).not.toBe(authenticator.secret);
  });
});
