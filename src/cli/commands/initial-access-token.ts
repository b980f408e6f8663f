import { CLI_CONTEXT } from '../../management/operation-context.ts';
import { parse, wholeSeconds } from '../args.ts';
import { CliError, printJson, type Noun } from '../io.ts';

export const initialAccessTokenCommands: Noun = {
  create: {
    usage: 'initial-access-token create [--expires-in <seconds>] [--json]',
    summary:
      'make a token for one dynamic registration at /reg (REGISTRATION=initial-access-token), shown once; valid one day unless --expires-in (60 s to 30 days)',
    async run({ args, io, json, inServer, services }) {
      const { values } = parse(args, { 'expires-in': { type: 'string' } }, this.usage);
      const expiresIn = wholeSeconds(values['expires-in'], 'expires-in', this.usage);
      const opened = await services();
      // The token lives in the artifact store; without Redis that is a server's memory, not this process's.
      if (!inServer && opened.store.kind === 'embedded' && opened.config.registration.mode === 'initial-access-token') {
        throw new CliError(
          'without REDIS_URL, initial access tokens live only in the memory of the server that issues them, so this process cannot make one: ' +
            'set REDIS_URL, or start the server (with the embedded database the CLI then runs inside it), or use POST /admin/v1/initial-access-tokens',
        );
      }
      const issued = await opened.management.registration.createInitialAccessToken(CLI_CONTEXT, { expiresIn });
      if (json) return printJson(io, issued);
      io.out(
        `initial_access_token: ${issued.token}\nexpires_at: ${issued.expires_at}\n(shown once: give it to whoever registers the client, as Authorization: Bearer <token> at POST /reg)\n`,
      );
    },
  },
};
