import * as oidc from 'openid-client';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, isCallback, PASSWORD, registerClient, REDIRECT_URI, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

let smtp: TestSmtp;
let server: TestServer;
let client: RegisteredClient;

const NEW_PASSWORD = 'lanterns drift over quiet harbours';

beforeAll(async () => {
  smtp = await startTestSmtp();
  server = await startTestServer({ SMTP_URL: smtp.url });
  client = await registerClient(server, { client_name: 'Signup Demo', redirect_uris: [REDIRECT_URI], scope: 'openid email profile' });
});
afterAll(async () => {
  await server.close();
  await smtp.close();
});

/** What userinfo says of the user the tokens are for (ID tokens carry only `sub` when there is an access token). */
async function userinfoOf(app: RegisteredClient, tokens: Awaited<ReturnType<typeof exchange>>) {
  return oidc.fetchUserInfo(app.config, tokens.access_token, tokens.claims()!.sub);
}

const mailTo = (address: string, subject: RegExp) => smtp.waitForMail((mail) => mail.to !== undefined && JSON.stringify(mail.to).includes(address) && subject.test(mail.subject ?? ''), 5000);

/** From the authorization request to the sign-up form, through the login page's link. */
async function openSignup(browser: Browser, parameters: Record<string, string> = {}) {
  const request = await authorizationRequest(client, parameters);
  const login = await browser.follow(request.url.toString());
  expect(login.status).toBe(200);
  const link = /href="(\/interaction\/[^"]+\/signup)"/.exec(login.html)?.[1];
  expect(link).toBeDefined();
  const form = await browser.follow(new URL(link!, server.issuer).toString());
  expect(form.status).toBe(200);
  return { request, form };
}

async function signUp(browser: Browser, form: Page, values: Record<string, string>) {
  return browser.submit(form, /\/signup$/, values);
}

/** Follows consent to the callback, as `signIn` does after the login form. */
async function consentToCallback(browser: Browser, page: Page): Promise<URL> {
  let current = page;
  if (!isCallback(current.url) && Browser.forms(current).some((form) => /\/confirm$/.test(form.action))) current = await browser.submit(current, /\/confirm$/, {}, isCallback);
  if (!isCallback(current.url)) throw new Error(`no callback (status ${current.status}): ${current.html.slice(0, 400)}`);
  return new URL(current.url);
}

describe('sign-up', () => {
  test('sign-up → mail → verify in the same browser → consent → code, with email_verified true', async () => {
    const browser = new Browser();
    const { request, form } = await openSignup(browser);
    expect(form.html).toContain('name="email"');
    expect(form.html).toContain('name="password"');
    expect(form.html).toContain('name="name"');
    const sent = await signUp(browser, form, { email: 'Ada@Example.com', password: NEW_PASSWORD, name: 'Ada Lovelace' });
    expect(sent.status).toBe(200);
    expect(sent.html).toContain('Check your email');
    expect(sent.html).toContain('Ada@Example.com');

    const mail = await mailTo('ada@example.com', /confirm/i);
    const link = linkIn(mail);
    expect(link.startsWith(`${server.issuer}/verify-email?token=`)).toBe(true);
    const stored = await server.services.db.prisma.accountToken.findMany({});
    expect(JSON.stringify(stored)).not.toContain(new URL(link).searchParams.get('token'));

    const verified = await browser.follow(link, isCallback);
    const callback = await consentToCallback(browser, verified);
    const claims = await userinfoOf(client, await exchange(client, callback, request));
    expect(claims.email).toBe('ada@example.com');
    expect(claims.email_verified).toBe(true);
    expect(claims.name).toBe('Ada Lovelace');

    // The link was single-use: opening it again changes nothing and says so.
    const again = await new Browser().follow(link);
    expect(again.status).toBe(200);
    expect(again.html).toContain('used already');
  });

  test('verified in another browser: "you can sign in now", and then the password signs in', async () => {
    const { form } = await openSignup(new Browser());
    await signUp(new Browser(), form, {}).catch(() => undefined); // a form without its cookie is refused, never an account
    const signingUp = new Browser();
    const opened = await openSignup(signingUp);
    await signUp(signingUp, opened.form, { email: 'grace@example.com', password: NEW_PASSWORD });
    const link = linkIn(await mailTo('grace@example.com', /confirm/i));

    // Elsewhere (or a mail scanner fetching the link) nothing is confirmed until the button is pressed.
    const elsewhere = new Browser();
    const button = await elsewhere.follow(link);
    expect(button.status).toBe(200);
    expect(button.html).toContain('Yes, confirm my address');
    expect((await server.services.accounts.resolve('grace@example.com')).emailVerified).toBe(false);
    const confirmed = await elsewhere.submit(button, /\/verify-email$/);
    expect(confirmed.status).toBe(200);
    expect(confirmed.html).toMatch(/sign in now/i);
    expect((await server.services.accounts.resolve('grace@example.com')).emailVerified).toBe(true);

    const later = await authorizationRequest(client);
    const callback = await signIn(new Browser(), later, 'grace@example.com', NEW_PASSWORD);
    expect((await userinfoOf(client, await exchange(client, callback, later))).email_verified).toBe(true);
  });

  test('an unverified self-service account cannot finish a sign-in; the link can be sent again', async () => {
    const browser = new Browser();
    const { form } = await openSignup(browser);
    await signUp(browser, form, { email: 'unverified@example.com', password: NEW_PASSWORD });
    await mailTo('unverified@example.com', /confirm/i);
    const before = smtp.messages.length;

    const other = new Browser();
    const request = await authorizationRequest(client);
    const login = await other.follow(request.url.toString());
    const refused = await other.submit(login, /\/login$/, { email: 'unverified@example.com', password: NEW_PASSWORD });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('Confirm your email address');
    const resent = await other.submit(refused, /\/resend-verification$/);
    expect(resent.status).toBe(200);
    const second = await smtp.waitForMail((mail) => smtp.messages.indexOf(mail) >= before && JSON.stringify(mail.to).includes('unverified@example.com'), 5000);
    // Opened in the browser that asked again, the link resumes that sign-in.
    const callback = await consentToCallback(other, await other.follow(linkIn(second), isCallback));
    expect((await userinfoOf(client, await exchange(client, callback, request))).email).toBe('unverified@example.com');
  });

  test('an address that has an account: the same page, a notice to its owner, nothing changed', async () => {
    await createUser(server, 'taken@example.com');
    const browser = new Browser();
    const { form } = await openSignup(browser);
    const answer = await signUp(browser, form, { email: 'taken@example.com', password: NEW_PASSWORD, name: 'Mallory' });
    expect(answer.status).toBe(200);
    expect(answer.html).toContain('Check your email');
    const notice = await mailTo('taken@example.com', /sign up|account/i);
    expect(notice.text).toMatch(/someone/i);
    expect(linkIn(notice).startsWith(server.issuer)).toBe(true);
    const account = await server.services.accounts.resolve('taken@example.com');
    expect(account.name).toBe('Test User');
    expect(await server.services.accounts.authenticate('taken@example.com', PASSWORD)).not.toBeNull();
    expect(await server.services.accounts.authenticate('taken@example.com', NEW_PASSWORD)).toBeNull();
  });

  test('nobody gets into an unconfirmed account without its password: resend, resume and a second sign-up give an intruder nothing', async () => {
    // The owner's sign-up: a new account whose address is not confirmed yet.
    const owner = new Browser();
    const { form } = await openSignup(owner);
    await signUp(owner, form, { email: 'target@example.com', password: NEW_PASSWORD });
    const ownerLink = linkIn(await mailTo('target@example.com', /confirm/i));
    const mailsBefore = smtp.messages.length;

    // An intruder's own sign-in: asking to resend for that address, and signing up with it.
    const intruder = new Browser();
    const login = await intruder.follow((await authorizationRequest(client)).url.toString());
    const uid = /\/interaction\/([^/"]+)\/login/.exec(login.html)![1]!;
    const csrf = Browser.forms(login)[0]!.fields.csrf!;
    const resend = await intruder.request(`${server.issuer}/interaction/${uid}/resend-verification`, { form: { csrf, email: 'target@example.com' } });
    expect(resend.status).toBeLessThan(400);
    const signupForm = await intruder.follow(`${server.issuer}/interaction/${uid}/signup`);
    const again = await intruder.submit(signupForm, /\/signup$/, { email: 'target@example.com', password: 'the intruders own passphrase' });
    expect(again.html).toContain('Check your email');
    // The owner is told and offered a reset, never sent a link tied to the intruder's sign-in.
    const notice = await smtp.waitForMail((mail) => smtp.messages.indexOf(mail) >= mailsBefore && JSON.stringify(mail.to).includes('target@example.com'), 5000);
    expect(linkIn(notice)).toBe(`${server.issuer}/password-reset`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.slice(mailsBefore).filter((mail) => /verify-email/.test(mail.text ?? ''))).toHaveLength(0);

    // The owner confirms in another browser; the intruder's sign-in still cannot continue as them.
    const elsewhere = new Browser();
    await elsewhere.submit(await elsewhere.follow(ownerLink), /\/verify-email$/);
    const resumed = await intruder.follow(`${server.issuer}/interaction/${uid}/continue`, isCallback);
    expect(isCallback(resumed.url)).toBe(false);
    expect(resumed.html).toContain('Sign in');
    expect(await server.services.accounts.authenticate('target@example.com', 'the intruders own passphrase')).toBeNull();
  });

  test('a weak password is refused with the rule it breaks, and the password field gets the focus', async () => {
    const browser = new Browser();
    const { form } = await openSignup(browser);
    const short = await signUp(browser, form, { email: 'weak@example.com', password: 'too short' });
    expect(short.status).toBe(400);
    expect(short.html).toContain('at least 15 characters');
    expect(short.html).toMatch(/id="password"[^>]*autofocus/);
    const common = await signUp(browser, short, { email: 'weak@example.com', password: 'passwordpassword' });
    expect(common.status).toBe(400);
    expect(common.html).toContain('common or breached');
    await expect(server.services.accounts.resolve('weak@example.com')).rejects.toThrow();
  });

  test('prompt=create opens the sign-up form directly, and discovery says so', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { prompt_values_supported: string[] };
    expect(discovery.prompt_values_supported).toContain('create');
    const browser = new Browser();
    const request = await authorizationRequest(client, { prompt: 'create' });
    const page = await browser.follow(request.url.toString());
    expect(page.status).toBe(200);
    expect(page.html).toContain('Create your account');
    await browser.submit(page, /\/signup$/, { email: 'create@example.com', password: NEW_PASSWORD });
    const link = linkIn(await mailTo('create@example.com', /confirm/i));
    const callback = await consentToCallback(browser, await browser.follow(link, isCallback));
    expect((await userinfoOf(client, await exchange(client, callback, request))).email).toBe('create@example.com');
  });

  test('a link that is not ours, or tampered with, is a clear 400 page', async () => {
    for (const token of ['', 'x', 'A'.repeat(43), '../../etc/passwd']) {
      const page = await new Browser().follow(`${server.issuer}/verify-email?token=${encodeURIComponent(token)}`);
      expect(page.status).toBe(400);
      expect(page.headers.get('content-type')).toMatch(/html/);
      expect(page.html).toContain('expired or is not valid');
      expect(page.html).toContain('<a href="/account">Sign in</a>');
    }
  });

  test('admin-made accounts sign in as the admin made them, verified or not', async () => {
    await server.services.accounts.register({ email: 'made@example.com', password: PASSWORD, emailVerified: false });
    const request = await authorizationRequest(client);
    const callback = await signIn(new Browser(), request, 'made@example.com');
    expect((await userinfoOf(client, await exchange(client, callback, request))).email_verified).toBe(false);
  });
});

describe('sign-up switches', () => {
  test('REQUIRE_VERIFIED_EMAIL=false: a new account signs in at once, and its mail still confirms the address', async () => {
    const lenient = await startTestServer({ SMTP_URL: smtp.url, REQUIRE_VERIFIED_EMAIL: 'false', SIGNUP_RATE_LIMIT: '2' });
    try {
      const app = await registerClient(lenient, { client_name: 'Lenient', redirect_uris: [REDIRECT_URI], scope: 'openid email' });
      const browser = new Browser();
      const request = await authorizationRequest(app, { prompt: 'create' });
      const form = await browser.follow(request.url.toString());
      const after = await browser.submit(form, /\/signup$/, { email: 'quick@example.com', password: NEW_PASSWORD }, isCallback);
      const callback = await consentToCallback(browser, after);
      expect((await userinfoOf(app, await exchange(app, callback, request))).email_verified).toBe(false);
      await mailTo('quick@example.com', /confirm/i);

      // SIGNUP_RATE_LIMIT=2 per address per hour: the third sign-up from here waits.
      const signUpFrom = async (email: string) => {
        const other = new Browser();
        const form = await other.follow((await authorizationRequest(app, { prompt: 'create' })).url.toString());
        return other.submit(form, /\/signup$/, { email, password: NEW_PASSWORD });
      };
      expect((await signUpFrom('second@example.com')).status).toBeLessThan(400);
      const third = await signUpFrom('third@example.com');
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(third.html).toContain('Too many sign-ups from your network');
      await expect(lenient.services.accounts.resolve('third@example.com')).rejects.toThrow();
    } finally {
      await lenient.close();
    }
  });

  test('SIGNUP=off and PASSWORD_RESET=off: no links, no forms, no prompt=create', async () => {
    const closed = await startTestServer({ SMTP_URL: smtp.url, SIGNUP: 'off', PASSWORD_RESET: 'off' });
    try {
      const app = await registerClient(closed, { client_name: 'Closed', redirect_uris: [REDIRECT_URI], scope: 'openid' });
      const browser = new Browser();
      const login = await browser.follow((await authorizationRequest(app)).url.toString());
      expect(login.html).not.toContain('/signup');
      const uid = /\/interaction\/([^/"]+)\/login/.exec(login.html)?.[1];
      expect((await browser.follow(`${closed.issuer}/interaction/${uid}/signup`)).status).toBe(404);
      expect(login.html).not.toContain('/password-reset');
      expect((await browser.follow(`${closed.issuer}/interaction/${uid}/password-reset`)).status).toBe(404);
      expect((await browser.follow(`${closed.issuer}/password-reset`)).status).toBe(404);
      const discovery = (await (await fetch(`${closed.issuer}/.well-known/openid-configuration`)).json()) as { prompt_values_supported: string[] };
      expect(discovery.prompt_values_supported).not.toContain('create');
    } finally {
      await closed.close();
    }
  });
});
