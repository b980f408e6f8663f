import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callerPath } from '../../src/cli/caller-path.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { answersOk, embeddedServerEnv, PROCESS_DEADLINE_MS, PROCESS_TEST_TIMEOUT_MS, ROOT, startNode, type RunningProcess } from '../support/processes.ts';

/**
 * `npm run cli` runs the CLI in the package's folder; a relative `--metadata-file` still means the
 * folder the person typed the command in, with the CLI on its own and through a running server.
 */
jest.setTimeout(PROCESS_TEST_TIMEOUT_MS);
let workDir: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let issuer: string;
let server: RunningProcess | undefined;

const npmCli = async (args: string[]) => {
  const run = promisify(execFile)('npm', ['--prefix', ROOT, 'run', '--silent', 'cli', '--', ...args], {
    cwd: join(workDir, 'nested'),
    env,
    timeout: PROCESS_DEADLINE_MS,
  });
  return run.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
};

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'portcullis-caller-'));
  await mkdir(join(workDir, 'nested'));
  await writeFile(join(workDir, 'nested', 'app.json'), JSON.stringify({ client_name: 'Relative', redirect_uris: [REDIRECT_URI] }));
  dataDir = join(workDir, 'data');
  ({ env, issuer } = await embeddedServerEnv(dataDir));
});
afterAll(async () => {
  await server?.stop();
  await rm(workDir, { recursive: true, force: true });
});

test('callerPath resolves against INIT_CWD only under `npm run cli`', () => {
  expect(callerPath('a.json', { npm_lifecycle_event: 'cli', INIT_CWD: '/somewhere' })).toBe('/somewhere/a.json');
  expect(callerPath('a.json', { npm_lifecycle_event: 'test', INIT_CWD: '/somewhere' })).toBe(join(process.cwd(), 'a.json'));
  expect(callerPath('/abs/a.json', { npm_lifecycle_event: 'cli', INIT_CWD: '/somewhere' })).toBe('/abs/a.json');
});

test.each([
  ['with the CLI on its own', false],
  ['through a running server', true],
])("npm run cli reads a relative --metadata-file from the caller's folder, %s", async (_, throughServer) => {
  if (throughServer) server = await startNode('src/main.ts', [], { env, isReady: answersOk(`${issuer}/readyz`) });
  const created = await npmCli(['client', 'create', '--metadata-file', 'app.json', '--json']);
  expect(created.stderr).toBe('');
  expect(JSON.parse(created.stdout)).toMatchObject({ client_name: 'Relative' });
  const inline = await npmCli(['client', 'create', '--metadata-file=../nested/app.json', '--json']);
  expect(JSON.parse(inline.stdout)).toMatchObject({ client_name: 'Relative' });
  const missing = await npmCli(['client', 'create', '--metadata-file', 'nope.json']);
  expect(missing.code).not.toBe(0);
  expect(missing.stderr).toMatch(/nope\.json/);
});
