import { readFile } from 'node:fs/promises';
import { ClientNotFoundError, InvalidClientMetadataError } from '../../clients/client-registry.ts';
import { parse, requirePositional } from '../args.ts';
import { CliError, printJson, table, type Noun } from '../io.ts';

const known = (error: unknown): never => {
  if (error instanceof InvalidClientMetadataError) throw new CliError(`invalid_client_metadata: ${error.message}`);
  if (error instanceof ClientNotFoundError) throw new CliError(error.message);
  throw error;
};

const list = (value: unknown): string => (Array.isArray(value) ? value.join(' ') : '');

export const clientCommands: Noun = {
  create: {
    usage: 'client create --metadata-file <path|-> [--json]',
    summary: 'register a client from RFC 7591 metadata JSON ("-" reads standard input)',
    async run({ args, io, json, services }) {
      const { values } = parse(args, { 'metadata-file': { type: 'string' } }, this.usage);
      const file = values['metadata-file'];
      if (!file) throw new CliError(`missing --metadata-file\nusage: ${this.usage}`, 2);
      const text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8').catch((e: Error) => { throw new CliError(`cannot read ${file}: ${e.message}`); });
      let metadata: unknown;
      try {
        metadata = JSON.parse(text);
      } catch (error) {
        throw new CliError(`invalid_client_metadata: not valid JSON (${(error as Error).message})`);
      }
      const registered = await (await services()).clients.create(metadata).catch(known);
      if (json) return printJson(io, registered);
      io.out(`created client ${registered.client_id}\n`);
      if (registered.client_secret) io.out(`client_secret: ${registered.client_secret}\n(shown once; store it now)\n`);
    },
  },
  list: {
    usage: 'client list [--json]',
    summary: 'list clients (secrets omitted)',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const clients = await (await services()).clients.list();
      if (json) return printJson(io, clients);
      io.out(table(clients.map((c) => ({
        client_id: c.client_id,
        name: typeof c.client_name === 'string' ? c.client_name : '',
        auth: typeof c.token_endpoint_auth_method === 'string' ? c.token_endpoint_auth_method : '',
        grants: list(c.grant_types),
      })), ['client_id', 'name', 'auth', 'grants']));
    },
  },
  show: {
    usage: 'client show <client_id> [--show-secret] [--json]',
    summary: "print a client's metadata",
    async run({ args, io, services }) {
      const { positionals, values } = parse(args, { 'show-secret': { type: 'boolean' } }, this.usage);
      const clientId = requirePositional(positionals, 'client_id', this.usage);
      const client = await (await services()).clients.show(clientId, { includeSecret: values['show-secret'] === true }).catch(known);
      printJson(io, client);
    },
  },
  delete: {
    usage: 'client delete <client_id> [--json]',
    summary: 'delete a client: it can no longer authenticate; its refresh and opaque tokens stop (issued JWTs live until they expire)',
    async run({ args, io, json, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const clientId = requirePositional(positionals, 'client_id', this.usage);
      await (await services()).clients.delete(clientId).catch(known);
      if (json) printJson(io, { client_id: clientId, deleted: true });
      else io.out(`deleted client ${clientId}\n`);
    },
  },
};
