import { expectedFailure } from '../errors/app-error.ts';
import { isDependencyOutage } from '../errors/outage.ts';
import type { Services } from '../services.ts';
import { clientCommands } from './commands/client.ts';
import { initialAccessTokenCommands } from './commands/initial-access-token.ts';
import { keyCommands } from './commands/keys.ts';
import { resourceCommands } from './commands/resource.ts';
import { userCommands } from './commands/user.ts';
import { CliError, type CliIo, type Noun } from './io.ts';

const NOUNS: Record<string, Noun> = {
  user: userCommands,
  client: clientCommands,
  resource: resourceCommands,
  keys: keyCommands,
  'initial-access-token': initialAccessTokenCommands,
};

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  return `${manifest.name} ${manifest.version}`;
}

function overview(): string {
  const lines = ['usage: npm run cli -- <noun> <verb> [options]', '', 'Commands:'];
  const column = 70;
  for (const noun of Object.values(NOUNS)) {
    for (const { usage, summary } of Object.values(noun)) {
      // A usage too long for the column gets its summary on the next line, in the column.
      lines.push(usage.length < column ? `  ${usage.padEnd(column)} ${summary}` : `  ${usage}\n  ${' '.repeat(column)} ${summary}`);
    }
  }
  lines.push('', 'Every command accepts --help, and --json for machine-readable output; `help <noun>` lists a noun\'s commands; --version.', 'Also: npm run db:migrate (apply pending database migrations).');
  return `${lines.join('\n')}\n`;
}

/** The CLI's translation of a failure: one line, the stable code first for expected failures. */
function cliLineFor(error: unknown): string {
  if (error instanceof CliError) return `error: ${error.message}`;
  const expected = expectedFailure(error);
  if (expected?.expose) return `error: ${expected.code}: ${expected.message}`;
  const firstLine = String((error as Error | undefined)?.message ?? error).split('\n')[0];
  return isDependencyOutage(error) ? `error: unavailable: the database or Redis cannot be reached (${firstLine})` : `error: ${firstLine}`;
}

export interface RunOptions {
  /** The invocation was forwarded to the running server and runs inside it (admin-socket.ts). */
  readonly inServer?: boolean;
}

/**
 * Runs one CLI invocation; returns its exit code. Services are opened only if the command needs
 * them. Commands change things through `services.management` with CLI_CONTEXT (audited as actor
 * "cli"), as the admin API does; their failures are translated here, once.
 */
export async function runCli(argv: readonly string[], io: CliIo, services: () => Promise<Services>, { inServer = false }: RunOptions = {}): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.out(`${await version()}\n`);
    return 0;
  }
  // `help user` is `user --help`.
  const [nounName, verbName, ...args] = argv[0] === 'help' && argv[1] ? [argv[1], '--help'] : argv;
  if (!nounName || nounName === '--help' || nounName === '-h' || nounName === 'help') {
    io.out(overview());
    return nounName ? 0 : 2;
  }
  const noun = NOUNS[nounName];
  if (!noun) {
    io.err(`error: unknown command "${nounName}" (expected one of: ${Object.keys(NOUNS).join(', ')}); see --help\n`);
    return 2;
  }
  if (!verbName || verbName === '--help' || verbName === '-h') {
    io.out(`${Object.values(noun).map((command) => `usage: ${command.usage}\n  ${command.summary}`).join('\n')}\n`);
    return verbName ? 0 : 2;
  }
  const command = noun[verbName];
  if (!command) {
    io.err(`error: unknown command "${nounName} ${verbName}" (expected one of: ${Object.keys(noun).join(', ')}); see ${nounName} --help\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`usage: ${command.usage}\n  ${command.summary}\n`);
    return 0;
  }
  try {
    await command.run({ args, io, json: args.includes('--json'), inServer, services });
    return 0;
  } catch (error) {
    io.err(`${cliLineFor(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
