import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Services } from '../services.ts';
import { runCli } from './run.ts';

// Unix socket paths are limited to about 104 bytes; long data folders fall back to the temp folder.
const MAX_SOCKET_PATH = 100;

export function adminSocketPath(dataDir: string): string {
  const preferred = join(dataDir, 'portcullis.sock');
  if (preferred.length <= MAX_SOCKET_PATH) return preferred;
  return join(privateSocketDir(), `${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`);
}

/** A folder of this OS user's own in the temp folder, for socket paths too long for DATA_DIR. */
function privateSocketDir(): string {
  return join(tmpdir(), `portcullis-${process.getuid?.() ?? 'user'}`);
}

async function ensurePrivateSocketDir(path: string): Promise<void> {
  const dir = dirname(path);
  if (dir !== privateSocketDir()) return;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (!info.isDirectory() || (process.getuid && info.uid !== process.getuid()) || (info.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a folder owned by this user with mode 0700`);
  }
}

interface CliRequest {
  argv: string[];
  stdin: string;
}

interface CliResponse {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * With the embedded database, the server owns the data folder, so CLI invocations run inside the
 * server: it listens on a Unix socket only the same OS user can open (mode 0600).
 */
export async function startAdminSocket(services: Services): Promise<{ close(): Promise<void> }> {
  const path = adminSocketPath(services.config.dataDir);
  await ensurePrivateSocketDir(path);
  await rm(path, { force: true });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readAll(req, MAX_REQUEST_BYTES);
    if (body === undefined) return void res.writeHead(413).end();
    let input: CliRequest;
    try {
      input = JSON.parse(body) as CliRequest;
      if (!Array.isArray(input.argv) || typeof input.stdin !== 'string') throw new Error('bad request');
    } catch {
      return void res.writeHead(400).end();
    }
    const output: CliResponse = { exitCode: 0, stdout: '', stderr: '' };
    const io = { readStdin: async () => input.stdin, out: (text: string) => void (output.stdout += text), err: (text: string) => void (output.stderr += text) };
    output.exitCode = await runCli(input.argv.map(String), io, async () => services, { inServer: true });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(output));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      services.logger.error({ err: error }, 'admin socket request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Created 0600 from the start (umask), not chmod-ed afterwards, so there is no window. The
  // socket is bound synchronously inside listen(), so the process-wide umask is restored at once,
  // before any other code can run and create files with it.
  const previousUmask = process.umask(0o177);
  try {
    server.listen(path);
  } finally {
    process.umask(previousUmask);
  }
  await once(server, 'listening');
  return {
    close: () => new Promise<void>((resolve) => server.close(() => void rm(path, { force: true }).then(() => resolve()))),
  };
}

/** The whole stream as text, or undefined past `limit` bytes. */
async function readAll(stream: NodeJS.ReadableStream, limit = Infinity): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buffer.length;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends one CLI invocation to the running server that owns the embedded database. */
export function forwardToServer(dataDir: string, argv: readonly string[], stdin: string): Promise<CliResponse> {
  return new Promise((resolve, reject) => {
    const options = { socketPath: adminSocketPath(dataDir), method: 'POST', path: '/cli', headers: { 'content-type': 'application/json' } };
    const req = request(options, (res) => {
      readAll(res)
        .then((body) => {
          if (res.statusCode !== 200) throw new Error(`the running server refused the command (HTTP ${res.statusCode})`);
          resolve(JSON.parse(body ?? '') as CliResponse);
        })
        .catch(reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ argv, stdin }));
  });
}
