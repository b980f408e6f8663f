import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmod, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Services } from '../services.ts';
import { runCli } from './run.ts';

// Unix socket paths are limited to about 104 bytes; long data folders fall back to the temp folder.
const MAX_SOCKET_PATH = 100;

export function adminSocketPath(dataDir: string): string {
  const preferred = join(dataDir, 'portcullis.sock');
  if (preferred.length <= MAX_SOCKET_PATH) return preferred;
  return join(tmpdir(), `portcullis-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`);
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
  await rm(path, { force: true });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let input: CliRequest;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CliRequest;
      if (!Array.isArray(input.argv) || typeof input.stdin !== 'string') throw new Error('bad request');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const output: CliResponse = { exitCode: 0, stdout: '', stderr: '' };
    output.exitCode = await runCli(input.argv.map(String), {
      readStdin: async () => input.stdin,
      out: (text) => (output.stdout += text),
      err: (text) => (output.stderr += text),
    }, async () => services);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(output));
  });
  server.listen(path);
  await once(server, 'listening');
  await chmod(path, 0o600);
  return {
    close: () => new Promise<void>((resolve) => server.close(() => void rm(path, { force: true }).then(() => resolve()))),
  };
}

/** Sends one CLI invocation to the running server that owns the embedded database. */
export function forwardToServer(dataDir: string, argv: readonly string[], stdin: string): Promise<CliResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: adminSocketPath(dataDir), method: 'POST', path: '/cli', headers: { 'content-type': 'application/json' } }, async (res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      if (res.statusCode !== 200) return reject(new Error(`the running server refused the command (HTTP ${res.statusCode})`));
      resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CliResponse);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ argv, stdin }));
  });
}
