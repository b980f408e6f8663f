import { mayIssueRefreshToken } from '../../src/oidc/token-policies.ts';

const client = (grants: string[]) => ({ grantTypeAllowed: (grant: string) => grants.includes(grant) });
const scopes = (scope: string) => new Set(scope.split(' '));

describe('who gets a refresh token', () => {
  test('OpenID Connect: only with offline_access', () => {
    expect(mayIssueRefreshToken(client(['authorization_code', 'refresh_token']), scopes('openid email'))).toBe(false);
    expect(mayIssueRefreshToken(client(['authorization_code', 'refresh_token']), scopes('openid email offline_access'))).toBe(true);
  });

  test('plain OAuth 2.0 (an MCP client asking for an API scope): yes, offline_access means nothing there', () => {
    expect(mayIssueRefreshToken(client(['authorization_code', 'refresh_token']), scopes('mcp:tools'))).toBe(true);
  });

  test('never for a client not registered for the refresh_token grant', () => {
    expect(mayIssueRefreshToken(client(['authorization_code']), scopes('mcp:tools'))).toBe(false);
    expect(mayIssueRefreshToken(client(['authorization_code']), scopes('openid offline_access'))).toBe(false);
  });
});
