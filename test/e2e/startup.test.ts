import { jest } from '@jest/globals';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/environment.ts';
import { answersOk, PROCESS_TEST_TIMEOUT_MS, runNode, startNode } from '../support/processes.ts';

jest.setTimeout(PROCESS_TEST_TIMEOUT_MS);

/** A script run to its end, with only the environment given (plus PATH and HOME). */
const run = (script: string, env: Record<string, string>) => runNode(script, [], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } });

test('production refuses to start without real stores and secrets, naming every variable to set', async () => {
  const result = await run('src/main.ts', { NODE_ENV: 'production', ISSUER: 'http://id.example.com', PORT: '0' });
  expect(result.code).toBe(1);
  for (const variable of ['DATABASE_URL', 'REDIS_URL', 'COOKIE_KEYS', 'ISSUER']) expect(result.stderr).toContain(variable);
  expect(result.stderr).not.toMatch(/\n\s+at /);
});

test('invalid values are all reported at once', async () => {
  const result = await run('src/main.ts', { PORT: 'eighty', REDIS_URL: 'localhost:6379', ACCESS_TOKEN_TTL: '0' });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('PORT');
  expect(result.stderr).toContain('REDIS_URL');
  expect(result.stderr).toContain('ACCESS_TOKEN_TTL');
});

test('db:migrate applies migrations to a fresh embedded database, then reports it up to date', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-migrate-'));
  try {
    const first = await run('src/cli/migrate.ts', { DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied \d+ migration/);
    const second = await run('src/cli/migrate.ts', { DATA_DIR: dataDir });
    expect(second.stdout).toMatch(/up to date/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a second server on the same embedded data folder is refused with a clear message', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-lock-'));
  const port = await freePort();
  const { DATABASE_URL: _db, REDIS_URL: _redis, ...inherited } = process.env;
  const first = await startNode('src/main.ts', [], {
    env: { ...inherited, NODE_OPTIONS: '', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    isReady: answersOk(`http://127.0.0.1:${port}/healthz`),
  });
  try {
    const second = await run('src/main.ts', { DATA_DIR: dataDir, PORT: String(await freePort()) });
    expect(second.code).toBe(1);
    expect(second.stdout + second.stderr).toMatch(/already uses DATA_DIR/);
  } finally {
    await first.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('a port already in use is one clear line naming PORT, not a stack trace', async () => {
  const taken = createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const { port } = taken.address() as AddressInfo;
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-port-'));
  try {
    const result = await run('src/main.ts', { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect(result.code).toBe(1);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use.*PORT`));
    expect(output).not.toMatch(/\n\s+at /);
  } finally {
    taken.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('an admin port already in use is one clear line naming ADMIN_PORT', async () => {
  const taken = createServer();
  taken.listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const { port } = taken.address() as AddressInfo;
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-admin-port-'));
  try {
    const result = await run('src/main.ts', { PORT: '0', HOST: '127.0.0.1', ADMIN_PORT: String(port), ADMIN_HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect(result.code).toBe(1);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use.*ADMIN_PORT`));
    expect(output).not.toMatch(/\n\s+at /);
  } finally {
    taken.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
