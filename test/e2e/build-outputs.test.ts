import { jest } from '@jest/globals';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/environment.ts';
import { answersOk, PROCESS_TEST_TIMEOUT_MS, ROOT, runNode, startNode, type RunningProcess } from '../support/processes.ts';

/**
 * `npm start` and `npm run start:api` each build into a folder of their own, so building the demo
 * API leaves a running server's files alone. Run in a private copy of the project layout (the
 * sources linked, scripts/build.mjs copied), so the project's own dist folders are not touched.
 */
jest.setTimeout(PROCESS_TEST_TIMEOUT_MS);
const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const buildArgs = (script: string) => {
  const match = /^node scripts\/build\.mjs(?: (\S+))?$/.exec(scripts[script] ?? '');
  if (!match) throw new Error(`${script} is not "node scripts/build.mjs [folder]": ${scripts[script]}`);
  return match[1] ? [match[1]] : [];
};
const entryOf = (script: string) => /^node (\S+)$/.exec(scripts[script] ?? '')?.[1] ?? '';
const folderOf = (script: string) => buildArgs(script)[0] ?? 'dist';

let copy: string;
let server: RunningProcess | undefined;
let api: RunningProcess | undefined;

async function filesWithTimes(dir: string, into = new Map<string, number>()): Promise<Map<string, number>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await filesWithTimes(path, into);
    else into.set(path, (await stat(path)).mtimeMs);
  }
  return into;
}

beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), 'portcullis-build-'));
  await mkdir(join(copy, 'scripts'));
  await copyFile(join(ROOT, 'scripts/build.mjs'), join(copy, 'scripts/build.mjs'));
  for (const name of ['src', 'views', 'prisma', 'packages', 'node_modules', 'package.json']) await symlink(join(ROOT, name), join(copy, name));
});
afterAll(async () => {
  await api?.stop();
  await server?.stop();
  await rm(copy, { recursive: true, force: true });
});

test('the two entry points build into disjoint folders and run from their own', () => {
  const [serverFolder, apiFolder] = [folderOf('prestart'), folderOf('prestart:api')];
  expect(serverFolder).not.toBe(apiFolder);
  expect(entryOf('start').startsWith(`${serverFolder}/`)).toBe(true);
  expect(entryOf('start:api').startsWith(`${apiFolder}/`)).toBe(true);
  expect(`${apiFolder}/`.startsWith(`${serverFolder}/`) || `${serverFolder}/`.startsWith(`${apiFolder}/`)).toBe(false);
});

test('a build folder outside the project layout is refused', async () => {
  const result = await runNode(join(copy, 'scripts/build.mjs'), ['../elsewhere'], { env: process.env, cwd: copy });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/usage/);
});

test('building the demo API while the server runs leaves the server and its files alone', async () => {
  const env = { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development', LOG_LEVEL: 'silent' };
  expect((await runNode(join(copy, 'scripts/build.mjs'), buildArgs('prestart'), { env, cwd: copy })).code).toBe(0);
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const serverEnv: NodeJS.ProcessEnv = { ...env, PORT: String(port), HOST: '127.0.0.1', ISSUER: issuer, DATA_DIR: join(copy, 'data') };
  delete serverEnv.DATABASE_URL;
  delete serverEnv.REDIS_URL;
  server = await startNode(join(copy, entryOf('start')), [], { env: serverEnv, cwd: copy, isReady: answersOk(`${issuer}/readyz`) });
  const before = await filesWithTimes(join(copy, folderOf('prestart')));

  const build = runNode(join(copy, 'scripts/build.mjs'), buildArgs('prestart:api'), { env, cwd: copy });
  let answered = 0;
  for (let done = false; !done; answered += 1) {
    expect((await fetch(`${issuer}/readyz`)).status).toBe(200);
    done = await Promise.race([build.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50))]);
  }
  expect((await build).code).toBe(0);
  expect(answered).toBeGreaterThan(1);

  expect(await filesWithTimes(join(copy, folderOf('prestart')))).toEqual(before);
  const page = await fetch(`${issuer}/auth?client_id=nope&response_type=code`);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect((await fetch(`${issuer}/.well-known/openid-configuration`)).status).toBe(200);

  const apiPort = await freePort();
  const apiEnv = { ...env, PORT: String(apiPort), ISSUER: issuer, AUDIENCE: 'https://api.build.test' };
  api = await startNode(join(copy, entryOf('start:api')), [], {
    env: apiEnv,
    cwd: copy,
    isReady: async () => (await fetch(`http://127.0.0.1:${apiPort}/protected`)).status === 401,
  });
  expect((await fetch(`${issuer}/readyz`)).status).toBe(200);
});
