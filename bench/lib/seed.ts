import { fileURLToPath } from 'node:url';
import { runCommand } from './processes.ts';
import { BENCH_EMAIL, BENCH_PASSWORD, BENCH_REDIRECT_URI, BENCH_RESOURCE, BENCH_SCOPE, BENCH_USER_SCOPE } from './targets.ts';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface SeededClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Seeds a Portcullis server through its own CLI, with the server's environment (in embedded mode
 * the CLI forwards to the running server): one user, one resource, one confidential client allowed
 * to use every grant the scenarios need.
 */
export async function seedThroughCli(env: NodeJS.ProcessEnv, cwd: string): Promise<SeededClient> {
  const cli = (args: string[], stdin?: string) => runCommand(CLI, args, { env, cwd, ...(stdin === undefined ? {} : { stdin }) });
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
  return { clientId: created.client_id, clientSecret: created.client_secret };
}
