/** What a Portcullis target needs: its environment, throwaway stores, seeding, tokens from real logins. */
import type { Agent } from 'node:http';
import type { Cleanups } from './cleanups.ts';
import { BENCH_EMAIL, BENCH_PASSWORD, BENCH_REDIRECT_URI, BENCH_RESOURCE, BENCH_SCOPE, BENCH_USER_SCOPE } from './fixtures.ts';
import { basicAuth, form } from './http.ts';
import { createThrowawayDatabase, deleteRedisKeys, postgresBackendPids, redisServerPid, uniqueKeyPrefix } from './infra.ts';
import { login, type LoginTarget } from './login-flow.ts';
import type { BenchOptions } from './options.ts';
import { runCommand } from './processes.ts';
import type { HelperPids } from './usage.ts';

export interface Client {
  readonly id: string;
  readonly secret: string;
}

/** The admin API's resource (ADMIN_RESOURCE default) and the scopes an admin client gets without a `scope`. */
export const ADMIN_RESOURCE = 'urn:portcullis:admin';
const ADMIN_SCOPE = 'admin:read admin:write';

export const portcullisEnv = (origin: string, adminOrigin: string, dataDir: string): NodeJS.ProcessEnv => ({
  NODE_ENV: 'development',
  PORT: new URL(origin).port,
  HOST: '127.0.0.1',
  // Its own free port: the default 3001 would collide between the two modes (and with anything else).
  ADMIN_PORT: new URL(adminOrigin).port,
  ADMIN_HOST: '127.0.0.1',
  ISSUER: origin,
  // Quiet, but a server that fails says why (ServerProcess.exitReport keeps its last lines).
  LOG_LEVEL: 'error',
  DATA_DIR: dataDir,
  // The load comes from one loopback address standing in for many users: per-address abuse limits
  // would measure themselves instead of the server.
  LOGIN_MAX_IN_FLIGHT_PER_ADDRESS: '100000',
  AUTHORIZATION_RATE_LIMIT: '100000000',
});

/** A throwaway PostgreSQL database and a unique Redis key prefix, both removed with the cleanups. */
export async function useThrowawayStores(options: BenchOptions, cleanups: Cleanups) {
  const { databaseUrl, redisUrl } = options;
  const database = await createThrowawayDatabase(databaseUrl);
  const redisPid = await redisServerPid(redisUrl);
  cleanups.add(() => database.drop());
  const keyPrefix = uniqueKeyPrefix();
  cleanups.add(() => deleteRedisKeys(redisUrl, keyPrefix));
  return {
    env: { DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix },
    helperPids: async (): Promise<HelperPids> => ({ postgres: await postgresBackendPids(databaseUrl, database.name), redis: redisPid }),
  };
}

/**
 * Seeds a Portcullis server through its own CLI, with the server's environment (in embedded mode
 * the CLI forwards to the running server): one user, one resource, one confidential client allowed
 * to use every grant the scenarios need.
 */
export async function seedThroughCli(cliScript: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Client> {
  const cli = (args: string[], stdin?: string) => runCommand(cliScript, args, { env, cwd, ...(stdin === undefined ? {} : { stdin }) });
  await cli(['user', 'create', '--email', BENCH_EMAIL, '--password-stdin', '--json'], BENCH_PASSWORD);
  await cli(['resource', 'create', '--id', BENCH_RESOURCE, '--scope', BENCH_SCOPE, '--json']);
  const metadata = {
    client_name: 'Portcullis benchmark',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: [BENCH_REDIRECT_URI],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: `${BENCH_USER_SCOPE} ${BENCH_SCOPE}`,
    audience: [BENCH_RESOURCE],
  };
  const created = JSON.parse(await cli(['client', 'create', '--metadata-file', '-', '--json'], JSON.stringify(metadata))) as {
    client_id?: string;
    client_secret?: string;
  };
  if (!created.client_id || !created.client_secret) throw new Error('client create did not print a client_id and client_secret');
  return { id: created.client_id, secret: created.client_secret };
}

/** The admin listener, and fresh admin tokens from an admin client created through the CLI at first use. */
export interface AdminAccess {
  readonly origin: string;
  /** A new token each call (ADMIN_TOKEN_TTL is 5 minutes by default: longer than one round, shorter than a run). */
  token(): Promise<string>;
}

export function adminAccess(
  origin: string,
  adminOrigin: string,
  cli: { script: string; env: NodeJS.ProcessEnv; cwd: string },
): AdminAccess {
  let client: Promise<Client> | undefined;
  return {
    origin: adminOrigin,
    async token() {
      client ??= createAdminClient(cli.script, cli.env, cli.cwd);
      return clientCredentialsToken(origin, await client, ADMIN_RESOURCE, ADMIN_SCOPE);
    },
  };
}

/** `"admin": true` in the metadata (what the API takes too): a client_credentials client for the admin API. */
async function createAdminClient(cliScript: string, env: NodeJS.ProcessEnv, cwd: string): Promise<Client> {
  const metadata = { client_name: 'Portcullis benchmark admin', admin: true };
  const created = JSON.parse(
    await runCommand(cliScript, ['client', 'create', '--metadata-file', '-', '--json'], { env, cwd, stdin: JSON.stringify(metadata) }),
  ) as { client_id?: string; client_secret?: string; admin?: unknown };
  if (!created.client_id || !created.client_secret || created.admin !== true) throw new Error('client create did not make an admin client');
  return { id: created.client_id, secret: created.client_secret };
}

/** POST /token, client_credentials (client_secret_basic) for `resource`: the access token. */
export async function clientCredentialsToken(origin: string, client: Client, resource: string, scope: string): Promise<string> {
  const response = await fetch(new URL('/token', origin), {
    method: 'POST',
    headers: { authorization: basicAuth(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'client_credentials', resource, scope }),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string };
  if (response.status !== 200 || !body.access_token) throw new Error(`client credentials for ${resource} failed: ${response.status}`);
  return body.access_token;
}

/** `count` refresh tokens, each from a complete login (4 at a time). */
export async function mintByLogin(agent: Agent, target: LoginTarget, count: number): Promise<string[]> {
  const tokens: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      const { refreshToken } = await login(agent, target);
      if (!refreshToken) throw new Error('login did not return a refresh token (offline_access not granted?)');
      tokens.push(refreshToken);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
  return tokens;
}
