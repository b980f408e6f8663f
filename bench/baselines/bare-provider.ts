/**
 * Baseline: oidc-provider as it comes, in its own process. Default in-memory adapter, one static
 * client in `clients`, the features the measured endpoints need (clientCredentials, introspection,
 * userinfo), and the same token shapes Portcullis issues: RS256 (2048-bit) signatures, a JWT access
 * token for the registered resource, refresh token rotation. No database, no Redis, no Portcullis
 * middleware. Started by bench/lib/targets.ts, which asks it over IPC to mint user tokens (there is no
 * login UI here; minting in-process skips only the login itself). Run as plain JavaScript from the
 * private build too, so it imports nothing at run time from the benchmark.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export interface MintRequest {
  readonly kind: 'refresh' | 'access';
  readonly count: number;
}

export type MintReply = { readonly type: 'minted'; readonly tokens: string[] } | { readonly type: 'mint-error'; readonly message: string };

const port = Number(process.env.BENCH_PORT);
const host = '127.0.0.1';
const clientId = process.env.BENCH_CLIENT_ID!;
const clientSecret = process.env.BENCH_CLIENT_SECRET!;
const resource = process.env.BENCH_RESOURCE!;
const resourceScope = process.env.BENCH_SCOPE!;
const redirectUri = 'http://127.0.0.1:9/cb';
const accountId = 'bench-account';
const userScope = 'openid email profile offline_access';

const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench' };

const configuration: Configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] as NonNullable<Configuration['jwks']>['keys'] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name', 'updated_at'], email: ['email', 'email_verified'] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, email: 'user@bench.example', email_verified: true, name: 'Bench User', updated_at: 1_700_000_000 }),
  }),
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf?.[0],
      useGrantedResource: () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
        return {
          scope: resourceScope,
          audience: resource,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
};

const provider = new Provider(`http://${host}:${port}`, configuration);
const handle = provider.callback();
const server = createServer((req, res) => void handle(req, res)).listen(port, host);
await once(server, 'listening');

async function mint(request: MintRequest): Promise<string[]> {
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error(`no client ${clientId}`);
  const tokens: string[] = [];
  for (let i = 0; i < request.count; i += 1) {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(userScope);
    const grantId = await grant.save();
    const common = { accountId, client, grantId, scope: userScope, gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) };
    const token = request.kind === 'refresh' ? new provider.RefreshToken(common) : new provider.AccessToken(common);
    tokens.push(await token.save());
  }
  return tokens;
}

process.on('message', (request: MintRequest) => {
  mint(request).then(
    (tokens) => process.send?.({ type: 'minted', tokens } satisfies MintReply),
    (error: unknown) => process.send?.({ type: 'mint-error', message: String(error) } satisfies MintReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
