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
    expect(named).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'COOKIE_KEYS', 'ISSUER']));
    expect(problems.find((p) => p.startsWith('ISSUER'))).toMatch(/https/);
  });

  test('production accepts a complete configuration', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.com',
      DATABASE_URL: 'postgresql://u:p@db:5432/portcullis',
      REDIS_URL: 'redis://cache:6379',
      COOKIE_KEYS: `${'a'.repeat(32)},${'b'.repeat(32)}`,
    });
    expect(config.cookieKeys).toHaveLength(2);
    expect(Object.isFrozen(config.ttl)).toBe(true);
  });

  test('production allows http on loopback for local trials', () => {
    expect(problemsOf({ NODE_ENV: 'production', ISSUER: 'http://localhost:3000', DATABASE_URL: 'postgresql://db/x', REDIS_URL: 'redis://r', COOKIE_KEYS: 'k'.repeat(32) })).toEqual([]);
  });

  test('short cookie keys and weaker argon2 parameters are refused', () => {
    expect(problemsOf({ COOKIE_KEYS: 'short' })[0]).toMatch(/^COOKIE_KEYS/);
    expect(problemsOf({ ARGON2_MEMORY_KIB: '1024' })[0]).toMatch(/^ARGON2_MEMORY_KIB/);
  });
});
