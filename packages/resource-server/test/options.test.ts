import { createResourceServer, ResourceServerConfigError, type ResourceServerOptions } from '../src/index.ts';

const base = { issuer: 'https://auth.example.com', audience: 'https://api.example.com' } as const;

function optionError(options: unknown): ResourceServerConfigError {
  try {
    createResourceServer(options as ResourceServerOptions);
  } catch (error) {
    if (error instanceof ResourceServerConfigError) return error;
    throw error;
  }
  throw new Error('expected createResourceServer to throw');
}

test('valid minimal options are accepted', () => {
  expect(() => createResourceServer(base)).not.toThrow();
  expect(() => createResourceServer({ ...base, audience: ['a', 'b'], clockTolerance: 0, algorithms: ['ES256', 'PS256'] })).not.toThrow();
  expect(() =>
    createResourceServer({ ...base, publicUrl: 'https://example.com/api/', dpopAlgorithms: ['ES256'], dpopReplayCacheSize: 1 }),
  ).not.toThrow();
});

test.each([
  ['issuer', { audience: 'x' }],
  ['issuer', { ...base, issuer: 'not a url' }],
  ['issuer', { ...base, issuer: 'ftp://auth.example.com' }],
  ['audience', { issuer: base.issuer }],
  ['audience', { ...base, audience: [] }],
  ['audience', { ...base, audience: ['ok', ''] }],
  ['jwksUri', { ...base, jwksUri: '/jwks' }],
  ['algorithms', { ...base, algorithms: [] }],
  ['algorithms', { ...base, algorithms: ['RS256', 'HS256'] }],
  ['algorithms', { ...base, algorithms: ['none'] }],
  ['algorithms', { ...base, algorithms: ['RS1'] }],
  ['dpopAlgorithms', { ...base, dpopAlgorithms: ['HS512'] }],
  ['publicUrl', { ...base, publicUrl: '' }],
  ['publicUrl', { ...base, publicUrl: '/api' }],
  ['publicUrl', { ...base, publicUrl: 'ftp://api.example.com' }],
  ['publicUrl', { ...base, publicUrl: 'https://api.example.com/?x=1' }],
  ['publicUrl', { ...base, publicUrl: 'https://api.example.com/#top' }],
  ['publicUrl', { ...base, publicUrl: 'https://user:pw@api.example.com' }],
  ['publicUrl', { ...base, dpopAlgorithms: ['ES256'] }],
  ['publicUrl', { ...base, dpopMaxAgeSeconds: 30 }],
  ['publicUrl', { ...base, dpopReplayCacheSize: 10 }],
  ['dpopReplayCacheSize', { ...base, publicUrl: 'https://api.example.com', dpopReplayCacheSize: 0 }],
  ['dpopReplayCacheSize', { ...base, publicUrl: 'https://api.example.com', dpopReplayCacheSize: 2.5 }],
  ['clockTolerance', { ...base, clockTolerance: -1 }],
  ['clockTolerance', { ...base, clockTolerance: '5s' }],
  ['jwksCooldownSeconds', { ...base, jwksCooldownSeconds: Number.NaN }],
  ['httpTimeoutMs', { ...base, httpTimeoutMs: 0 }],
  ['fetch', { ...base, fetch: 'nope' }],
  ['audiance', { ...base, audiance: 'typo' }],
  ['introspection', { ...base, introspection: 'https://auth.example.com/token/introspection' }],
  ['introspection.endpoint', { ...base, introspection: { clientId: 'a', clientSecret: 'b' } }],
  ['introspection.clientId', { ...base, introspection: { endpoint: 'https://a.example.com/i', clientSecret: 'b' } }],
  ['introspection.clientSecret', { ...base, introspection: { endpoint: 'https://a.example.com/i', clientId: 'a' } }],
  [
    'introspection.cacheMaxSeconds',
    { ...base, introspection: { endpoint: 'https://a.example.com/i', clientId: 'a', clientSecret: 'b', cacheMaxSeconds: -5 } },
  ],
  [
    'introspection.secret',
    { ...base, introspection: { endpoint: 'https://a.example.com/i', clientId: 'a', clientSecret: 'b', secret: 'c' } },
  ],
])('invalid option %s is named in the error', (option, options) => {
  const error = optionError(options);
  expect(error.option).toBe(option);
  expect(error.message).toContain(`"${option}"`);
});

test('a DPoP option without publicUrl says why publicUrl is needed', () => {
  expect(optionError({ ...base, dpopMaxAgeSeconds: 30 }).message).toMatch(/"publicUrl" is required when dpopMaxAgeSeconds is set/);
});

test('HS* and none are refused with an explicit message', () => {
  expect(optionError({ ...base, algorithms: ['HS256'] }).message).toMatch(/HS256.*asymmetric/);
});

test('the adapters validate scope names once, at setup', async () => {
  const rs = createResourceServer(base);
  const adapters = [
    (await import('../src/adapters/koa.ts')).requireAuth,
    (await import('../src/adapters/express.ts')).requireAuth,
    (await import('../src/adapters/fastify.ts')).requireAuth,
  ];
  for (const requireAuth of adapters) {
    expect(() => requireAuth(rs, 'api:read', '')).toThrow(TypeError);
    expect(() => requireAuth(rs, 'api:read api:write')).toThrow(/without spaces/);
    expect(typeof requireAuth(rs, 'api:read')).toBe('function');
  }
  const { authenticate } = await import('../src/adapters/node.ts');
  await expect(authenticate(rs, {} as never, {} as never, 'a b')).rejects.toThrow(/without spaces/);
});
