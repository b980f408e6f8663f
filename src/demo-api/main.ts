/**
 * Demo API process: `ISSUER=http://localhost:3000 AUDIENCE=https://api.example.com npm run start:api`.
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createDemoApi } from './app.ts';
import { readConfig } from './config.ts';

const result = readConfig(process.env);
if (!result.ok) {
  for (const line of result.errors) process.stderr.write(`demo-api: ${line}\n`);
  process.exit(1);
}

const { port, options } = result.config;
const logger = pino({ name: 'demo-api' });
let app: ReturnType<typeof createDemoApi>;
try {
  app = createDemoApi({ ...options, logger });
} catch (error) {
  process.stderr.write(`demo-api: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const server = app.listen(port, () => {
  const { port: actualPort } = server.address() as AddressInfo;
  logger.info(
    {
      port: actualPort,
      issuer: options.issuer,
      audience: options.audience,
      publicUrl: options.publicUrl,
      introspection: options.introspection !== undefined,
    },
    'demo API listening',
  );
});
server.on('error', (error) => {
  logger.error({ err: error }, 'demo API failed to start');
  process.exit(1);
});

let closing = false;
function shutdown(signal: NodeJS.Signals): void {
  if (closing) return;
  closing = true;
  logger.info({ signal }, 'demo API shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
