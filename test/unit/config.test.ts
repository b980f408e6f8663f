import { ConfigError, loadConfig } from '../../src/config/config.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('configuration', () => {
  test('defaults give a working development server on embedded stores', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.database).toHaveProperty('embeddedDir');
    expect(config.redis).toHaveProperty('embedded', true);
    expect(config.ttl.accessToken).toBe(3600);
    expect(config.ttl.authorizationCode).toBe(60);
    expect(config.argon2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  test('the issuer follows PORT and loses a trailing slash', () => {
    expect(loadConfig({ PORT: '4100' }).issuer).toBe('http://localhost:4100');
    expect(loadConfig({ ISSUER: 'https://id.example.com/' }).issuer).toBe('https://id.example.com');
  });

  test('every problem is reported at once, each naming its variable', () => {
    const problems = problemsOf({ PORT: 'abc', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://nope', ACCESS_TOKEN_TTL: '-5' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['PORT', 'DATABASE_URL', 'REDIS_URL', 'ACCESS_TOKEN_TTL']));
    expect(problems).toHaveLength(4);
  });

  test('production refuses embedded stores, generated secrets and a plain-http public issuer', () => {
    const problems = problemsOf({ NODE_ENV: 'production', ISSUER: 'http://id.example.com' });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'COOKIE_KEYS', 'ISSUER', 'KEY_ENCRYPTION_KEY', 'SMTP_URL']));
    expect(problems.find((p) => p.startsWith('ISSUER'))).toMatch(/https/);
  });

  test('production accepts a complete configuration', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.com',
      DATABASE_URL: 'postgresql://u:p@db:5432/portcullis',
      REDIS_URL: 'redis://cache:6379',
      COOKIE_KEYS: `${'a'.repeat(32)},${'b'.repeat(32)}`,
      KEY_ENCRYPTION_KEY: 'e'.repeat(32),
      SMTP_URL: 'smtps://mailer:secret@smtp.example.com',
    });
    expect(config.cookieKeys).toHaveLength(2);
    expect(config.mail).toEqual({ smtpUrl: 'smtps://mailer:secret@smtp.example.com', from: 'Portcullis <no-reply@id.example.com>', outboxDir: expect.stringMatching(/outbox$/) });
    expect(Object.isFrozen(config.ttl)).toBe(true);
  });

  test('production allows http on loopback for local trials', () => {
    expect(problemsOf({ NODE_ENV: 'production', ISSUER: 'http://localhost:3000', DATABASE_URL: 'postgresql://db/x', REDIS_URL: 'redis://r', COOKIE_KEYS: 'k'.repeat(32), KEY_ENCRYPTION_KEY: 'e'.repeat(32), SMTP_URL: 'smtp://127.0.0.1:2525' })).toEqual([]);
  });

  test('self-service: sign-up and reset on by default, production needs SMTP for them, and the password minimum is bounded', () => {
    expect(loadConfig({}).selfService).toEqual({
      signup: true,
      passwordReset: true,
      requireVerifiedEmail: true,
      rates: { signUpsPerAddressPerHour: 10, mailsPerAddressPerHour: 20, mailsPerRecipientPerHour: 5, linkUsesPerAddressPer10Minutes: 30 },
    });
    expect(loadConfig({ SIGNUP_RATE_LIMIT: '3', LINK_RATE_LIMIT: '7' }).selfService.rates).toMatchObject({ signUpsPerAddressPerHour: 3, linkUsesPerAddressPer10Minutes: 7 });
    expect(problemsOf({ MAIL_RATE_LIMIT_PER_RECIPIENT: '0' })[0]).toMatch(/^MAIL_RATE_LIMIT_PER_RECIPIENT/);
    expect(loadConfig({}).passwordPolicy).toEqual({ minLength: 15 });
    const production = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', DATABASE_URL: 'postgresql://db/x', REDIS_URL: 'redis://r', COOKIE_KEYS: 'k'.repeat(32), KEY_ENCRYPTION_KEY: 'e'.repeat(32) };
    expect(problemsOf(production)).toEqual([expect.stringMatching(/^SMTP_URL: required in production while SIGNUP or PASSWORD_RESET is on/)]);
    expect(problemsOf({ ...production, SIGNUP: 'off', PASSWORD_RESET: 'off' })).toEqual([]);
    expect(problemsOf({ SMTP_URL: 'http://mail.example.com' })[0]).toMatch(/^SMTP_URL/);
    expect(problemsOf({ PASSWORD_MIN_LENGTH: '7' })[0]).toMatch(/^PASSWORD_MIN_LENGTH/);
    expect(problemsOf({ PASSWORD_MIN_LENGTH: '65' })[0]).toMatch(/^PASSWORD_MIN_LENGTH/);
    expect(loadConfig({ REQUIRE_VERIFIED_EMAIL: 'false', SIGNUP: 'off', MAIL_FROM: 'Acme <id@acme.example>' })).toMatchObject({ selfService: { signup: false, requireVerifiedEmail: false }, mail: { from: 'Acme <id@acme.example>', smtpUrl: undefined } });
  });

  test('short cookie keys and weaker argon2 parameters are refused', () => {
    expect(problemsOf({ COOKIE_KEYS: 'short' })[0]).toMatch(/^COOKIE_KEYS/);
    expect(problemsOf({ ARGON2_MEMORY_KIB: '1024' })[0]).toMatch(/^ARGON2_MEMORY_KIB/);
  });

  describe('TRUST_PROXY (F11)', () => {
    const production = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', DATABASE_URL: 'postgresql://db/x', REDIS_URL: 'redis://r', COOKIE_KEYS: 'k'.repeat(32), KEY_ENCRYPTION_KEY: 'e'.repeat(32), SMTP_URL: 'smtp://mail.internal' };

    test('is off by default, and "false" trusts nobody', () => {
      expect(loadConfig({}).trustProxy).toEqual([]);
      expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toEqual([]);
    });

    test('takes a list of addresses and CIDR ranges', () => {
      expect(loadConfig({ ...production, TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1' }).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', '::1']);
    });

    test('refuses entries that are not addresses or ranges, naming them', () => {
      expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33,proxy.internal' })).toEqual([
        'TRUST_PROXY: "10.0.0.0/33" is not an IP address or CIDR range',
        'TRUST_PROXY: "proxy.internal" is not an IP address or CIDR range',
      ]);
    });

    test('"true" means loopback and private ranges in development and is refused in production', () => {
      expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toEqual(expect.arrayContaining(['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12']));
      expect(problemsOf({ ...production, TRUST_PROXY: 'true' })[0]).toMatch(/^TRUST_PROXY: "true" is refused in production/);
    });
  });

  test('a short KEY_ENCRYPTION_KEY is refused', () => {
    expect(problemsOf({ KEY_ENCRYPTION_KEY: 'short' })[0]).toMatch(/^KEY_ENCRYPTION_KEY/);
    expect(loadConfig({ KEY_ENCRYPTION_KEY: 'x'.repeat(32) }).keyEncryptionKey).toBe('x'.repeat(32));
  });

  test('DEFAULT_LANGUAGE is English unless set, in canonical case; what is no language tag is refused', () => {
    expect(loadConfig({}).defaultLanguage).toBe('en');
    expect(loadConfig({ DEFAULT_LANGUAGE: 'pt-br' }).defaultLanguage).toBe('pt-BR');
    expect(problemsOf({ DEFAULT_LANGUAGE: 'french!' })[0]).toMatch(/^DEFAULT_LANGUAGE/);
    expect(problemsOf({ DEFAULT_LANGUAGE: 'en-a' })[0]).toMatch(/^DEFAULT_LANGUAGE/);
  });

  test('authorization requests are bounded by default (F6)', () => {
    const config = loadConfig({});
    expect(config.ttl.interaction).toBe(600);
    expect(config.authorizationRequests).toEqual({ rateLimit: 600, rateWindowSeconds: 60, maxParameterLength: 2048, maxTotalLength: 8192 });
    expect(config.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 10_000 });
  });
});
