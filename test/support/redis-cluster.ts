import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './environment.ts';

/** True when redis-server and redis-cli are on PATH (they are on this machine kind and in CI). */
export const canRunRedisCluster = (): boolean =>
  spawnSync('redis-server', ['--version']).status === 0 && spawnSync('redis-cli', ['--version']).status === 0;

export interface LocalRedisCluster {
  readonly ports: number[];
  stop(): Promise<void>;
}

/** Three master nodes on loopback, in throwaway folders, nothing persisted. */
export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const nodes: ChildProcess[] = ports.map((port) =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }),
  );
  const stop = async () => {
    for (const node of nodes) node.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await waitUntil(() => spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG');
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    if (created.status !== 0) throw new Error(`cluster create failed: ${created.stderr.toString()}`);
    await waitUntil(() => ports.every((port) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info']).stdout.toString())));
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, stop };
}

async function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('redis cluster did not come up');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
