import { buildAuthInfo } from '../src/auth-info.ts';

describe('subjectType tells user tokens from machine tokens', () => {
  test('a user token: sub is an account id, not the client id', () => {
    const auth = buildAuthInfo({ sub: '0b6f3d7e-3f5c-4a47-9c39-2b1f0c6a9e11', client_id: 'web-app' }, 'jwt');
    expect(auth.subjectType).toBe('user');
  });

  test('a client-credentials token: sub equals client_id (RFC 9068 §2.2)', () => {
    expect(buildAuthInfo({ sub: 'worker', client_id: 'worker' }, 'jwt').subjectType).toBe('client');
    expect(buildAuthInfo({ sub: 'worker', client_id: 'worker', active: true }, 'opaque').subjectType).toBe('client');
  });

  test('a token without sub carries no user', () => {
    expect(buildAuthInfo({ client_id: 'worker' }, 'opaque').subjectType).toBe('client');
  });

  test('a sub with no client_id to compare with is taken as a user', () => {
    expect(buildAuthInfo({ sub: 'user-1' }, 'jwt').subjectType).toBe('user');
  });
});
