import type { Logger } from '../../src/observability/logger.ts';
import { startAdminServer, type RunningAdminServer } from '../../src/admin/admin-server.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openServices, type Services } from '../../src/services.ts';
import { createTestResources, freePort, quietLogger, testConfig, usingPostgres, type TestResources } from './environment.ts';

export interface TestServer {
  readonly issuer: string;
  readonly services: Services;
  readonly running: RunningServer;
  /** The admin listener, on its own random loopback port. */
  readonly admin: RunningAdminServer;
  readonly resources: TestResources;
  close(): Promise<void>;
}

/** The real app on a random loopback port, over this file's own database and key prefix. */
export async function startTestServer(
  overrides: Record<string, string> = {},
  options: { databasePort?: number; redisPort?: number; logger?: Logger; issuerHost?: 'localhost'; https?: boolean; issuerPath?: string } = {},
): Promise<TestServer> {
  const resources = await createTestResources();
  const port = await freePort();
  // `localhost` for WebAuthn in Chromium, which refuses an IP address as the RP ID; it still listens on 127.0.0.1.
  const issuer = `${options.https ? 'https' : 'http'}://${options.issuerHost ?? '127.0.0.1'}:${port}${options.issuerPath ?? ''}`;
  const throughPort = (url: string | undefined, newPort: number | undefined) => {
    if (!url || !newPort) return {};
    const rewritten = new URL(url);
    rewritten.hostname = '127.0.0.1';
    rewritten.port = String(newPort);
    return rewritten.toString();
  };
  const viaProxies = {
    ...(options.databasePort ? { DATABASE_URL: throughPort(resources.databaseUrl, options.databasePort) as string } : {}),
    ...(options.redisPort ? { REDIS_URL: throughPort(resources.redisUrl, options.redisPort) as string } : {}),
  };
  const config = testConfig(resources, { ISSUER: issuer, PORT: String(port), ...viaProxies, ...overrides });
  const services = await openServices(config, options.logger ?? quietLogger(), { migrate: true, inMemoryDatabase: !usingPostgres });
  const running = await startServer(services, port, '127.0.0.1');
  const admin = await startAdminServer(services, 0, '127.0.0.1');
  return {
    issuer,
    services,
    running,
    admin,
    resources,
    async close() {
      await admin.close();
      await running.close();
      await services.close();
      await resources.cleanup();
    },
  };
}
