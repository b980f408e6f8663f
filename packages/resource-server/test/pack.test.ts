/**
 * The package as users get it: `npm pack`, the tarball installed into a temporary project, used
 * from plain JavaScript with Express, Fastify and bare node:http against tokens from a local JWKS,
 * and type-checked from TypeScript against its .d.ts files.
 *
 * Offline: the install takes jose (the package's one dependency) from this repository's
 * node_modules, and Express, Fastify and the type packages are symlinked from there too
 * (devDependencies, installed by `npm ci`). Nothing else is resolvable from the temporary project,
 * so an undeclared runtime dependency would fail here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeKey, signAccessToken, startIssuer, type FakeIssuer, type SigningKey } from './helpers.ts';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(PACKAGE_DIR, 'test', 'packed');
const ROOT_MODULES = join(PACKAGE_DIR, '..', '..', 'node_modules');
const AUDIENCE = 'https://orders.example.com/api';
const METADATA_URL = 'https://orders.example.com/.well-known/oauth-protected-resource/api';
const SETUP_TIMEOUT_MS = 120_000;

/** Child processes get no jest flags (NODE_OPTIONS) and no npm settings of the outer run. */
const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
  return env;
};

function run(command: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: childEnv(), maxBuffer: 16 * 1024 * 1024, timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let work: string;
let project: string;
let tarball: string;
let key: SigningKey;
let issuer: FakeIssuer;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'portcullis-rs-pack-'));
  project = join(work, 'project');
  // `npm pack` runs the package's `prepack` script, which builds dist/ (no install-time script: the tarball installs without running anything).
  await run('npm', ['pack', '--pack-destination', work], PACKAGE_DIR);
  const packed = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
  expect(packed).toHaveLength(1);
  tarball = join(work, packed[0]!);

  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // --offline: jose comes from the local folder (it satisfies the tarball's range), nothing from the network.
  await run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball, join(ROOT_MODULES, 'jose')],
    project,
  );
  for (const name of ['express', 'fastify', '@types/node', '@types/express']) {
    await mkdir(join(project, 'node_modules', name, '..'), { recursive: true });
    await symlink(join(ROOT_MODULES, name), join(project, 'node_modules', name), 'dir');
  }
  for (const file of await readdir(FIXTURES)) await copyFile(join(FIXTURES, file), join(project, file));

  key = await makeKey('ES256', 'k1');
  issuer = await startIssuer([key]);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await issuer?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test('the tarball holds the built JavaScript, the .d.ts files, the sources and the README, not the tests', async () => {
  const files = (await run('tar', ['-tzf', tarball], work)).split('\n').filter(Boolean);
  for (const file of [
    'package/package.json',
    'package/README.md',
    'package/LICENSE',
    'package/dist/index.js',
    'package/dist/index.d.ts',
    'package/dist/adapters/express.js',
    'package/dist/adapters/mcp.d.ts',
    'package/src/index.ts',
  ]) {
    expect(files).toContain(file);
  }
  expect(files.filter((file) => file.startsWith('package/test/') || file.startsWith('package/scripts/'))).toEqual([]);
  const manifest = JSON.parse(
    await readFile(join(project, 'node_modules', '@portcullis', 'resource-server', 'package.json'), 'utf8'),
  ) as Record<string, unknown>;
  expect(manifest.dependencies).toEqual({ jose: expect.any(String) as unknown });
  // Nothing runs when it is installed (scripts/ is not in the tarball, and npm warns about install scripts).
  const scripts = Object.keys(manifest.scripts ?? {});
  expect(scripts.filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name))).toEqual([]);
  // Installed next to it: jose and nothing else (no framework, no Redis client, no MCP SDK).
  const installed = (await readdir(join(project, 'node_modules'))).filter((name) => !name.startsWith('.'));
  expect(installed.sort()).toEqual(['@portcullis', '@types', 'express', 'fastify', 'jose']);
});

test('every entry point loads from plain JavaScript; /mcp says it needs the MCP SDK', async () => {
  const { entries, mcp } = JSON.parse(await run(process.execPath, ['entry-points.mjs'], project)) as {
    entries: Record<string, string[]>;
    mcp: string;
  };
  expect(entries['@portcullis/resource-server']).toEqual(
    expect.arrayContaining(['createResourceServer', 'ResourceServerError', 'createRedisReplayStore', 'MemoryReplayStore', 'errorAnswer']),
  );
  for (const adapter of ['koa', 'express', 'fastify']) {
    expect(entries[`@portcullis/resource-server/${adapter}`]).toEqual(expect.arrayContaining(['protectedResourceMetadata', 'requireAuth']));
  }
  expect(entries['@portcullis/resource-server/node']).toEqual(expect.arrayContaining(['authenticate', 'protectedResourceMetadata']));
  expect(mcp).toBe('ERR_MODULE_NOT_FOUND: needs @modelcontextprotocol/sdk');
});

test('TypeScript users type-check against the .d.ts files', async () => {
  // skipLibCheck as most projects set it (checking @types/node itself takes long); consumer.ts's
  // expect-error probes catch declarations that would silently resolve to any.
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['consumer.ts'],
    }),
  );
  await run(process.execPath, [join(ROOT_MODULES, 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project);
});

describe.each([['express.mjs'], ['fastify.mjs'], ['node-http.mjs']])('%s', (script) => {
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    child = spawn(process.execPath, [script], {
      cwd: project,
      env: { ...childEnv(), ISSUER: issuer.url, AUDIENCE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const port = /listening (\d+)/.exec(output)?.[1];
        if (port) resolve(`http://127.0.0.1:${port}`);
      });
      child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening:\n${output}`)));
    });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  });

  const token = (scope: string) => signAccessToken(key, issuer.url, { claims: { aud: AUDIENCE, scope } });

  test('a valid token: 200 with the auth info', async () => {
    const res = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${await token('orders:read')}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { auth: Record<string, unknown> };
    expect(body.auth).toMatchObject({
      sub: 'user-1',
      clientId: 'client-1',
      subjectType: 'user',
      scopes: ['orders:read'],
      tokenType: 'jwt',
    });
    expect(body.auth.claims).toMatchObject({ iss: issuer.url, aud: AUDIENCE });
  });

  test('no token: 401, the challenge carries resource_metadata and the scope', async () => {
    const res = await fetch(`${url}/orders`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer realm="${AUDIENCE}", scope="orders:read", resource_metadata="${METADATA_URL}"`,
    );
  });

  test('the wrong scope: 403 insufficient_scope', async () => {
    const res = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${await token('profile')}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'insufficient_scope', error_description: 'access token lacks a required scope' });
    expect(res.headers.get('www-authenticate')).toContain(
      `error="insufficient_scope", error_description="access token lacks a required scope", scope="orders:read", resource_metadata="${METADATA_URL}"`,
    );
  });

  test('the metadata document is served where the challenge points', async () => {
    const res = await fetch(`${url}${new URL(METADATA_URL).pathname}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      resource: AUDIENCE,
      authorization_servers: [issuer.url],
      bearer_methods_supported: ['header'],
      scopes_supported: ['orders:read'],
    });
  });
});
