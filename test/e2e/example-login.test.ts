import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { freePort } from '../support/environment.ts';
import {
  answersOk,
  embeddedServerEnv,
  PROCESS_DEADLINE_MS,
  PROCESS_TEST_TIMEOUT_MS,
  ROOT,
  runNode,
  startNode,
  type RunningProcess,
} from '../support/processes.ts';

/**
 * `npm run example:login` against a running server, with a real headless Chromium in the person's
 * place: it opens the printed address, signs in and allows; the script prints the tokens.
 */
jest.setTimeout(PROCESS_TEST_TIMEOUT_MS);
const CHROMIUM = '/usr/bin/chromium';
const run = existsSync(CHROMIUM) ? describe : describe.skip;
const CLI = join(ROOT, 'src/cli/main.ts');

run('npm run example:login', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let issuer: string;
  let server: RunningProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portcullis-example-'));
    ({ env, issuer } = await embeddedServerEnv(dataDir));
    server = await startNode('src/main.ts', [], { env, isReady: answersOk(`${issuer}/readyz`) });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('prints an authorization URL, takes the callback, and prints the tokens and the ID token claims', async () => {
    const user = await runNode(CLI, ['user', 'create', '--email', 'walk@example.com', '--password-stdin', '--json'], {
      env,
      stdin: 'correct horse battery staple\n',
    });
    const { id: userId } = JSON.parse(user.stdout) as { id: string };
    const callbackPort = await freePort();
    const metadata = {
      redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid email offline_access',
    };
    const client = await runNode(CLI, ['client', 'create', '--metadata-file', '-', '--json'], { env, stdin: JSON.stringify(metadata) });
    const { client_id: clientId, client_secret: clientSecret } = JSON.parse(client.stdout) as { client_id: string; client_secret: string };

    const example = spawn('npm', ['run', '--silent', 'example:login'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        CLIENT_ID: clientId,
        CLIENT_SECRET: clientSecret,
        ISSUER: issuer,
        PORT: String(callbackPort),
      },
    });
    const output = { stdout: '', stderr: '' };
    example.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    example.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = once(example, 'close') as Promise<[number | null]>;
    const timer = setTimeout(() => example.kill('SIGKILL'), PROCESS_DEADLINE_MS);
    while (!output.stdout.includes('\n\n') && example.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
    const url = new URL(output.stdout.split('\n')[0]!);
    expect(url.origin + url.pathname).toBe(`${issuer}/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: clientId,
      code_challenge_method: 'S256',
      redirect_uri: `http://127.0.0.1:${callbackPort}/callback`,
      response_type: 'code',
    });
    expect(url.searchParams.get('state')).toBeTruthy();

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(url.href);
      await page.getByLabel('Email').fill('walk@example.com');
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL(`http://127.0.0.1:${callbackPort}/callback**`);
      expect(await page.textContent('body')).toContain('Signed in');
    } finally {
      await browser.close();
    }

    const [code] = await exited;
    clearTimeout(timer);
    expect({ code, stderr: output.stderr }).toMatchObject({ code: 0 });
    const printed = JSON.parse(output.stdout.slice(output.stdout.indexOf('\n\n') + 2)) as {
      tokens: Record<string, unknown>;
      id_token_claims: Record<string, unknown>;
      userinfo: Record<string, unknown>;
    };
    expect(printed.tokens).toMatchObject({
      token_type: expect.stringMatching(/^bearer$/i),
      access_token: expect.any(String),
      id_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect(printed.id_token_claims).toMatchObject({ sub: userId, iss: issuer, aud: clientId });
    expect(printed.userinfo).toMatchObject({ sub: userId, email: 'walk@example.com' });
  });
});
