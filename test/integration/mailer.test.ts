import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AuditEventInput } from '../../src/audit/audit-log.ts';
import { createMailer, MailNotSentError, type Mailer, type MailerOptions, type MailTemplate } from '../../src/mail/mailer.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { VIEWS_DIR } from '../../src/pages/views.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const ISSUER = 'https://id.example.com';
const PRODUCT = 'Portcullis';
const TEMPLATES: readonly MailTemplate[] = ['verify-email', 'signup-existing-account', 'password-reset', 'password-changed', 'email-change', 'email-changed'];
const SUBJECT: Readonly<Record<MailTemplate, string>> = {
  'verify-email': 'Confirm your email address for Portcullis',
  'signup-existing-account': 'Someone tried to create a Portcullis account with your email address',
  'password-reset': 'Reset your Portcullis password',
  'password-changed': 'Your Portcullis password was changed',
  'email-change': 'Confirm your new email address for Portcullis',
  'email-changed': 'The email address of your Portcullis account was changed',
};

type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A mailer over the real logger (redaction included), writing to memory, with a fake audit trail. */
function mailerFor(smtpUrl: string | undefined, overrides: Partial<MailerOptions> = {}) {
  const lines: LogLine[] = [];
  const audited: AuditEventInput[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const mailer = createMailer({
    smtpUrl,
    from: `${PRODUCT} <no-reply@id.example.com>`,
    outboxDir: join(tmpdir(), 'portcullis-unused-outbox'),
    productName: PRODUCT,
    issuer: ISSUER,
    logger,
    audit: { recordInBackground: (event) => void audited.push(event) },
    ...overrides,
  });
  return { mailer, lines, audited };
}

const token = () => randomBytes(12).toString('base64url');
const address = (who: string) => `${who}-${randomBytes(3).toString('hex')}@example.org`;
const decodeEntities = (html: string) => html.replaceAll('&amp;', '&');
const httpUrls = (text: string) => [...new Set(text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? [])];

async function timed<T>(work: Promise<T>): Promise<{ elapsedMs: number; outcome: PromiseSettledResult<T> }> {
  const startedAt = Date.now();
  const [outcome] = await Promise.allSettled([work]);
  return { elapsedMs: Date.now() - startedAt, outcome };
}

function rejection(outcome: PromiseSettledResult<unknown>): unknown {
  if (outcome.status !== 'rejected') throw new Error('expected the send to fail');
  return outcome.reason;
}

describe('mailer over real SMTP', () => {
  let smtp: TestSmtp;
  let mailer: Mailer;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    ({ mailer } = mailerFor(smtp.url));
  });

  afterAll(async () => {
    await mailer.close();
    await smtp.close();
  });

  test.each(TEMPLATES)('%s: text and HTML, From/To/Subject, product and issuer, and only the link given', async (template) => {
    const to = address(template);
    const link = `${ISSUER}/${template}?token=${token()}&step=1`;
    await mailer.send({ to, template, data: { name: 'Ada Lovelace', link } });
    const mail = await smtp.waitForMail((m) => m.to !== undefined && !Array.isArray(m.to) && m.to.value[0]?.address === to);

    expect(mail.from?.value).toEqual([{ address: 'no-reply@id.example.com', name: PRODUCT }]);
    expect(mail.subject).toBe(SUBJECT[template]);
    expect(mail.subject).toContain(PRODUCT);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    const html = typeof mail.html === 'string' ? mail.html : '';
    for (const body of [mail.text ?? '', html]) {
      expect(body).toContain(PRODUCT);
      expect(body).toContain('id.example.com');
    }
    if (template !== 'signup-existing-account') {
      expect(mail.text).toContain('Hello Ada Lovelace,');
      expect(html).toContain('Hello Ada Lovelace,');
    }

    expect(linkIn(mail)).toBe(link);
    expect(httpUrls(decodeEntities(html))).toEqual([link]);
    expect(html.match(/<a\s/g)).toHaveLength(1);
    expect(decodeEntities(html.match(/href="([^"]*)"/)?.[1] ?? '')).toBe(link);
    expect(html).not.toMatch(/<img|<style|<link|<script|<form|src=|url\(|@import/i);
  });

  test('HTML escapes the values; text shows them as they are', async () => {
    const to = address('escape');
    await mailer.send({ to, template: 'verify-email', data: { name: '<script>alert(1)</script>', link: `${ISSUER}/verify?token=${token()}` } });
    const mail = await smtp.waitForMail((m) => JSON.stringify(m.to).includes(to));
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Hello &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(mail.text).toContain('Hello <script>alert(1)</script>,');
  });

  test('a name that reads like an address is left out, so the mail keeps its one link', async () => {
    const to = address('phish');
    const link = `${ISSUER}/verify?token=${token()}`;
    await mailer.send({ to, template: 'verify-email', data: { name: 'Claim your prize at evil.example\u200B/win', link } });
    const mail = await smtp.waitForMail((m) => JSON.stringify(m.to).includes(to));
    expect(mail.text).toContain('Hello,');
    expect(`${mail.text ?? ''}${typeof mail.html === 'string' ? mail.html : ''}`).not.toContain('evil');
    expect(linkIn(mail)).toBe(link);
  });

  test('an empty name greets without one', async () => {
    const to = address('noname');
    await mailer.send({ to, template: 'password-reset', data: { name: '', link: `${ISSUER}/reset?token=${token()}` } });
    const mail = await smtp.waitForMail((m) => JSON.stringify(m.to).includes(to));
    expect(mail.text).toMatch(/^Hello,$/m);
  });
});

describe('mailer refuses a mail before sending anything', () => {
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await startTestSmtp();
  });

  afterAll(() => smtp.close());

  test.each([
    ['another host', { link: 'https://evil.example/verify?token=x' }],
    ['a look-alike host', { link: 'https://id.example.com.evil.example/verify' }],
    ['another port', { link: 'https://id.example.com:8443/verify' }],
    ['plain http for an https issuer', { link: 'http://id.example.com/verify' }],
    ['credentials in the link', { link: 'https://user@id.example.com/verify' }],
    ['a javascript: link', { link: 'javascript:alert(1)' }],
    ['not a URL', { link: '/verify?token=x' }],
    ['an off-origin value of another *link key', { link: `${ISSUER}/ok`, cancelLink: 'https://evil.example/cancel' }],
    ['no link', { name: 'Ada' }],
  ])('%s', async (_case, data) => {
    const { mailer, audited, lines } = mailerFor(smtp.url);
    const failure = await mailer.send({ to: 'ada@example.org', template: 'verify-email', data }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(MailNotSentError);
    expect(String(failure)).not.toContain('evil.example');
    await mailer.close();
    expect(audited).toEqual([]);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(smtp.counts.connections).toBe(0);
    expect(smtp.messages).toEqual([]);
  });

  test.each(['ada@example.org, eve@example.net', 'Ada <ada@example.org>', 'ada@example.org\r\nBcc: eve@example.net', 'nobody'])('recipient %j', async (to) => {
    const { mailer } = mailerFor(smtp.url);
    await expect(mailer.send({ to, template: 'verify-email', data: { link: `${ISSUER}/verify` } })).rejects.toThrow('"to" must be one email address');
    await mailer.close();
    expect(smtp.counts.connections).toBe(0);
  });
});

describe('mailer when SMTP has trouble', () => {
  const link = `${ISSUER}/reset?token=${token()}`;

  test('temporary refusals are retried and the mail is delivered', async () => {
    const smtp = await startTestSmtp({ failFirst: 2 });
    const { mailer, lines, audited } = mailerFor(smtp.url);
    const to = address('retry');
    await mailer.send({ to, template: 'password-reset', data: { name: 'Ada', link } });
    await mailer.close();
    await smtp.close();
    expect(smtp.counts.refused).toBe(2);
    expect(smtp.messages).toHaveLength(1);
    expect(linkIn(smtp.messages[0]!)).toBe(link);
    expect(lines.filter((line) => line.msg === 'mail attempt failed, trying again').map((line) => line.attempt)).toEqual([1, 2]);
    expect(lines.find((line) => line.msg === 'mail sent')).toMatchObject({ template: 'password-reset', recipientDomain: 'example.org' });
    expect(audited).toEqual([]);
  });

  test('a refusal at DATA is retried too', async () => {
    const smtp = await startTestSmtp({ failFirst: 1, failAt: 'data' });
    const { mailer } = mailerFor(smtp.url);
    await mailer.send({ to: address('data'), template: 'password-reset', data: { name: 'Ada', link } });
    await mailer.close();
    await smtp.close();
    expect(smtp.counts.refused).toBe(1);
    expect(smtp.messages).toHaveLength(1);
  });

  test('a permanent (5xx) refusal is not retried', async () => {
    const smtp = await startTestSmtp({ failFirst: 5, failCode: 550 });
    const { mailer, audited } = mailerFor(smtp.url);
    const to = address('permanent');
    await expect(mailer.send({ to, template: 'password-reset', data: { name: 'Ada', link } })).rejects.toBeInstanceOf(MailNotSentError);
    await mailer.close();
    await smtp.close();
    expect(smtp.counts.refused).toBe(1);
    expect(audited).toEqual([
      { actor: 'system', action: 'mail.failed', target: to, outcome: 'failure', detail: { template: 'password-reset', reason: expect.stringContaining('550') as string } },
    ]);
  });

  test('a server that never answers fails the send within the deadline: logged without the link, audited', async () => {
    const smtp = await startTestSmtp({ hang: true });
    const { mailer, lines, audited } = mailerFor(smtp.url, { deadlineMs: 600, attemptTimeoutMs: 250 });
    const to = address('carol');
    const { elapsedMs, outcome } = await timed(mailer.send({ to, template: 'password-reset', data: { name: 'Carol', link } }));
    await mailer.close();
    await smtp.close();

    const error = rejection(outcome);
    expect(error).toBeInstanceOf(MailNotSentError);
    expect(error).toMatchObject({
      code: 'unavailable',
      status: 503,
      expose: true,
      message: 'We could not send the email just now. Please try again in a few minutes.',
    });
    expect(elapsedMs).toBeLessThan(600 + 200);
    expect(smtp.counts.connections).toBeGreaterThanOrEqual(1);

    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: 'system', action: 'mail.failed', target: to, outcome: 'failure', detail: { template: 'password-reset' } });
    expect(audited[0]!.detail!.reason).toMatch(/ETIMEDOUT|EDEADLINE/);

    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: 'mail not sent', template: 'password-reset', recipientDomain: 'example.org' });
    expect(warnings[0]!.reason).toMatch(/ETIMEDOUT|EDEADLINE/);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(link);
    expect(logged).not.toContain(new URL(link).searchParams.get('token')!);
    expect(logged).not.toContain(to);
  });

  test('the deadline holds even when the per-attempt timeout is longer', async () => {
    const smtp = await startTestSmtp({ hang: true });
    const { mailer, audited } = mailerFor(smtp.url, { deadlineMs: 400, attemptTimeoutMs: 5000 });
    const { elapsedMs, outcome } = await timed(mailer.send({ to: address('slow'), template: 'verify-email', data: { link } }));
    await mailer.close();
    await smtp.close();
    expect(rejection(outcome)).toBeInstanceOf(MailNotSentError);
    expect(elapsedMs).toBeLessThan(400 + 200);
    expect(audited[0]!.detail!.reason).toMatch(/^EDEADLINE/);
  });

  test('nothing listening: the send fails quickly with MailNotSentError', async () => {
    const smtp = await startTestSmtp();
    await smtp.close();
    const { mailer, audited } = mailerFor(smtp.url, { deadlineMs: 500 });
    await expect(mailer.send({ to: address('refused'), template: 'verify-email', data: { link } })).rejects.toBeInstanceOf(MailNotSentError);
    await mailer.close();
    expect(audited[0]!.detail!.reason).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
  });

  test('a closed mailer sends nothing', async () => {
    const smtp = await startTestSmtp();
    const { mailer } = mailerFor(smtp.url);
    await mailer.close();
    await expect(mailer.send({ to: address('closed'), template: 'verify-email', data: { link } })).rejects.toBeInstanceOf(MailNotSentError);
    await smtp.close();
    expect(smtp.counts.connections).toBe(0);
  });
});

describe('mailer with SMTP credentials', () => {
  const credentials = { user: 'portcullis', pass: 'p@ss:w/rd 1' };
  let smtp: TestSmtp;

  beforeAll(async () => {
    smtp = await startTestSmtp({ requireAuth: credentials });
  });

  afterAll(() => smtp.close());

  const withCredentials = (user: string, pass: string) => {
    const url = new URL(smtp.url);
    url.username = encodeURIComponent(user);
    url.password = encodeURIComponent(pass);
    return url.toString();
  };

  test('the user and password of the URL log in', async () => {
    const { mailer } = mailerFor(withCredentials(credentials.user, credentials.pass));
    const to = address('auth');
    await mailer.send({ to, template: 'email-change', data: { name: 'Ada', link: `${ISSUER}/email?token=${token()}` } });
    await mailer.close();
    const mail: ParsedMail = await smtp.waitForMail((m) => JSON.stringify(m.to).includes(to));
    expect(mail.subject).toBe(SUBJECT['email-change']);
    expect(smtp.counts.failedLogins).toBe(0);
  });

  test('a wrong password is not retried, and is not logged', async () => {
    const { mailer, lines, audited } = mailerFor(withCredentials(credentials.user, 'wrong-secret'));
    await expect(mailer.send({ to: address('badauth'), template: 'verify-email', data: { link: `${ISSUER}/verify` } })).rejects.toBeInstanceOf(MailNotSentError);
    await mailer.close();
    expect(smtp.counts.failedLogins).toBe(1);
    expect(audited[0]!.detail!.reason).toMatch(/EAUTH/);
    expect(JSON.stringify([lines, audited])).not.toContain('wrong-secret');
  });
});

describe('mailer without SMTP (development outbox)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-mail-'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('writes a parseable .eml readable by its owner only, and logs where', async () => {
    const outboxDir = join(dir, 'outbox');
    const { mailer, lines } = mailerFor(undefined, { outboxDir });
    const link = `${ISSUER}/verify?token=${token()}`;
    await mailer.send({ to: 'dev@example.org', template: 'verify-email', data: { name: 'Dev', link } });
    await mailer.close();

    const written = lines.find((line) => line.msg === 'mail written to the outbox');
    expect(written).toMatchObject({ level: 30, to: 'dev@example.org', template: 'verify-email' });
    const file = written!.file as string;
    expect(file.startsWith(`${outboxDir}/`)).toBe(true);
    expect(file).toMatch(/\/\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z-[0-9a-f]+\.eml$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(outboxDir)).mode & 0o777).toBe(0o700);

    const mail = await simpleParser(await readFile(file));
    expect(mail.subject).toBe(SUBJECT['verify-email']);
    expect(mail.to).toMatchObject({ value: [{ address: 'dev@example.org' }] });
    expect(mail.from).toMatchObject({ value: [{ address: 'no-reply@id.example.com', name: PRODUCT }] });
    expect(typeof mail.html).toBe('string');
    expect(linkIn(mail)).toBe(link);
  });

  test('an off-origin link is refused in the outbox too', async () => {
    const { mailer } = mailerFor(undefined, { outboxDir: join(dir, 'refused') });
    await expect(mailer.send({ to: 'dev@example.org', template: 'verify-email', data: { link: 'https://evil.example/' } })).rejects.not.toBeInstanceOf(MailNotSentError);
    await expect(stat(join(dir, 'refused'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('mail language', () => {
  let smtp: TestSmtp;
  let overrideStrings: string;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    overrideStrings = await mkdtemp(join(tmpdir(), 'portcullis-mail-strings-'));
    await writeFile(
      join(overrideStrings, 'de.json'),
      JSON.stringify({
        'mail.password_reset.subject': 'Setzen Sie Ihr {product}-Passwort zurück',
        'mail.password_reset.heading': 'Passwort zurücksetzen',
        'mail.greeting': 'Hallo {name},',
        'mail.automatic': 'Diese Nachricht wurde automatisch versandt.',
      }),
    );
  });

  afterAll(async () => {
    await smtp.close();
    await rm(overrideStrings, { recursive: true, force: true });
  });

  const sendReset = async (options: Partial<MailerOptions>, wishes?: { acceptLanguage: string }) => {
    const { mailer } = mailerFor(smtp.url, { stringsDirs: [join(VIEWS_DIR, 'strings'), overrideStrings], ...options });
    const to = address('language');
    await mailer.send({ to, template: 'password-reset', data: { name: 'Ada <b>', link: `${ISSUER}/password-reset/x?token=${token()}` }, wishes });
    await mailer.close();
    return smtp.waitForMail((m) => JSON.stringify(m.to).includes(to));
  };

  test('a mail is in the language of the page that asked for it, English where a string has no translation', async () => {
    const mail = await sendReset({}, { acceptLanguage: 'de-CH, en;q=0.5' });
    expect(mail.subject).toBe('Setzen Sie Ihr Portcullis-Passwort zurück');
    expect(mail.text).toContain('Hallo Ada <b>,');
    expect(mail.text).toContain('Diese Nachricht wurde automatisch versandt.');
    expect(mail.text).toContain('The link is valid for 30 minutes.');
    const html = typeof mail.html === 'string' ? mail.html : '';
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('Passwort zurücksetzen');
    expect(html).toContain('Hallo Ada &lt;b&gt;,');
    expect(html).not.toContain('<b>');
  });

  test('without wishes a mail is in DEFAULT_LANGUAGE; an unknown language falls back to English', async () => {
    expect((await sendReset({ defaultLanguage: 'de' })).subject).toBe('Setzen Sie Ihr Portcullis-Passwort zurück');
    expect((await sendReset({}, { acceptLanguage: 'fi' })).subject).toBe(SUBJECT['password-reset']);
  });
});
