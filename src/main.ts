import { loadConfigOrExit } from './config/load-or-exit.ts';
import { EmbeddedDatabaseBusyError } from './db/embedded-lock.ts';
import { startAdminSocket } from './cli/admin-socket.ts';
import { clientsNeedingAudience } from './clients/upgrade-notice.ts';
import { createLogger } from './observability/logger.ts';
import { startServer } from './server.ts';
import { startAdminServer } from './admin/admin-server.ts';
import { openServices } from './services.ts';
import { runPeriodically } from './housekeeping/periodically.ts';

const config = loadConfigOrExit('portcullis');

const logger = createLogger(config.logLevel);
let services;
try {
  services = await openServices(config, logger);
} catch (error) {
  const message = error instanceof EmbeddedDatabaseBusyError
    ? `${error.message}: another Portcullis server already uses DATA_DIR ${config.dataDir}`
    : (error as Error).message;
  logger.fatal({ err: error }, `could not start: ${message}`);
  process.exit(1);
}

/** One clear line instead of a stack trace when a listener cannot open. */
const listenFailure = (what: { port: number; host: string; portVariable: string; hostVariable: string }) => async (error: NodeJS.ErrnoException): Promise<never> => {
  const message =
    error.code === 'EADDRINUSE'
      ? `port ${what.port} on ${what.host} is already in use: stop what uses it or set ${what.portVariable} (and ${what.hostVariable}) to another address`
      : error.code === 'EACCES'
        ? `not allowed to listen on port ${what.port}: choose a ${what.portVariable} above 1023 or run with the needed privilege`
        : `could not listen on ${what.host}:${what.port}: ${error.message}`;
  logger.fatal({ code: error.code }, `could not start: ${message}`);
  await services.close();
  process.exit(1);
};

const running = await startServer(services).catch(listenFailure({ port: config.port, host: config.host, portVariable: 'PORT', hostVariable: 'HOST' }));
const admin = await startAdminServer(services).catch(async (error: NodeJS.ErrnoException) => {
  await running.close();
  return listenFailure({ port: config.admin.port, host: config.admin.host, portVariable: 'ADMIN_PORT', hostVariable: 'ADMIN_HOST' })(error);
});
const stopPruningAudit = services.audit.startPruning();
// Mailed links are kept a day past their expiry (a late click is told "already used"), then dropped.
const stopPruningLinks = runPeriodically(() => services.selfService.tokens.prune(), 3_600_000, (error) => logger.warn({ err: error }, 'pruning mailed links failed'));
const needingAudience = await clientsNeedingAudience(services.db.sql).catch(() => []);
if (needingAudience.length > 0) {
  logger.warn(
    { clients: needingAudience },
    `${needingAudience.length} client(s) registered before 0.2 have no "audience" and get tokens for no API: add "scope" and "audience" with client update (README, "Upgrading from 0.1")`,
  );
}
const adminSocket = services.db.kind === 'embedded' ? await startAdminSocket(services) : undefined;
logger.info(
  { issuer: config.issuer, url: running.url, admin: admin.url, database: services.db.kind, store: services.store.kind },
  `Portcullis listening on ${running.url} (issuer ${config.issuer}); admin API on ${admin.url}`,
);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  stopPruningAudit();
  stopPruningLinks();
  await Promise.all([running.close(), admin.close()]);
  await adminSocket?.close();
  await services.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
