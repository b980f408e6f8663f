import { jest } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, REDIRECT_URI, signIn } from '../support/flows.ts';
import { answersOk, embeddedServerEnv, PROCESS_TEST_TIMEOUT_MS, ROOT, runNode, startNode, type RunningProcess } from '../support/processes.ts';
import { haveScript, runInTerminal } from '../support/terminal.ts';

/**
 * `--password-stdin` typed at a terminal (a real pseudo-terminal through util-linux `script`):
 * first with the CLI on its own, then through a running server that owns the embedded database.
 */
jest.setTimeout(PROCESS_TEST_TIMEOUT_MS);
const run = haveScript ? describe : describe.skip;
const CLI = join(ROOT, 'src/cli/main.ts');
const EMAIL = 'typed@example.com';

run('a password typed at a terminal', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let issuer: string;
  let server: RunningProcess | undefined;
  const typing = (args: string[], answers: string[]) => runInTerminal(CLI, args, { env, prompt: /password: /i, answers });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-pty-'));
    ({ env, issuer } = await embeddedServerEnv(dataDir));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('is asked for twice, never echoed, and line editing works (CLI on its own)', async () => {
    const result = await typing(
      ['user', 'create', '--email', EMAIL, '--password-stdin'],
      ['typo\u007f\u007f\u007f\u007fthe first password\r', 'the first password\r'],
    );
    expect(result.stdout).toMatch(/^Password: \nRepeat password: \ncreated user typed@example\.com \(id [0-9a-f-]{36}\)\n$/);
    expect(result.code).toBe(0);
  });

  test('two different passwords are refused with one line, and nothing changes (through the server)', async () => {
    server = await startNode('src/main.ts', [], { env, isReady: answersOk(`${issuer}/readyz`) });
    const result = await typing(['user', 'set-password', EMAIL, '--password-stdin'], ['one password\r', 'another password\r']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('Password: \nRepeat password: \nerror: the two passwords typed do not match; nothing was changed\n');
  });

  test('Ctrl-C at the prompt ends the command with exit code 130', async () => {
    const result = await typing(['user', 'set-password', EMAIL, '--password-stdin'], ['half typed\u0003']);
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('Password: \n');
  });

  test('the password typed is the one set', async () => {
    const changed = await typing(['user', 'set-password', EMAIL, '--password-stdin'], ['the second password\r', 'the second password\r']);
    expect(changed.stdout).toContain(`password changed for ${EMAIL}`);
    expect(changed.code).toBe(0);

    const metadata = JSON.stringify({ redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'] });
    const created = await runNode(CLI, ['client', 'create', '--metadata-file', '-', '--json'], { env, stdin: metadata });
    const { client_id: clientId, client_secret: clientSecret } = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    const config = await oidc.discovery(new URL(issuer), clientId, {}, oidc.ClientSecretBasic(clientSecret), {
      execute: [oidc.allowInsecureRequests],
    });
    const client = { clientId, clientSecret, config };
    await expect(signIn(new Browser(), await authorizationRequest(client), EMAIL, 'the first password')).rejects.toThrow();
    const callback = await signIn(new Browser(), await authorizationRequest(client), EMAIL, 'the second password');
    expect(callback.searchParams.get('code')).toBeTruthy();
  });
});
