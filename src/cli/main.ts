import { loadConfigOrExit } from '../config/load-or-exit.ts';
import { embeddedLockHolder } from '../db/embedded-lock.ts';
import { createLogger } from '../observability/logger.ts';
import { openServices, type Services } from '../services.ts';
import { forwardToServer } from './admin-socket.ts';
import type { CliIo } from './io.ts';
import { runCli } from './run.ts';
import { localizeFileArguments } from './local-files.ts';
import { readProcessStdin } from './stdin.ts';

const argv = process.argv.slice(2);
const io: CliIo = {
  readStdin: readProcessStdin,
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const config = loadConfigOrExit('error');

if (config.embeddedDatabase && (await embeddedLockHolder(config.dataDir)) !== undefined) {
  // A running server owns the embedded database: the same invocation runs inside it.
  const local = await localizeFileArguments(argv, readProcessStdin).catch((error: Error) => {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  });
  try {
    const response = await forwardToServer(config.dataDir, local.args, local.stdin);
    process.stdout.write(response.stdout);
    process.stderr.write(response.stderr);
    process.exit(response.exitCode);
  } catch (error) {
    process.stderr.write(`error: a Portcullis server uses DATA_DIR ${config.dataDir} but did not answer (${(error as Error).message})\n`);
    process.exit(1);
  }
}

// The CLI's own log lines would get in the way of its output: only errors, on stderr.
const logger = createLogger('error', process.stderr);
let opened: Services | undefined;
const exitCode = await runCli(argv, io, async () => {
  opened ??= await openServices(config, logger, { migrate: true });
  return opened;
});
await opened?.close();
process.exit(exitCode);
