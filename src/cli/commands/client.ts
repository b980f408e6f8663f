import { readFile } from 'node:fs/promises';
import { InvalidClientMetadataError } from '../../clients/errors.ts';
import { CLI_CONTEXT } from '../../management/operation-context.ts';
import { parse, requirePositional, wholeSeconds } from '../args.ts';
import { callerPath } from '../caller-path.ts';
import { CliError, printJson, table, type CliIo, type Noun } from '../io.ts';

const list = (value: unknown): string => (Array.isArray(value) ? value.join(' ') : '');

async function readMetadata(file: string | undefined, io: CliIo, usage: string): Promise<unknown> {
  if (!file) throw new CliError(`missing --metadata-file\nusage: ${usage}`, 2);
  const text = file === '-' ? await io.readStdin() : await readFile(callerPath(file), 'utf8').catch((e: Error) => { throw new CliError(`cannot read ${file}: ${e.message}`); });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidClientMetadataError(`not valid JSON (${(error as Error).message})`);
  }
}

/** `--admin`: the metadata with "admin": true (anything but a JSON object is left for the registry to refuse). */
function asAdmin(metadata: unknown, usage: string): unknown {
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) return metadata;
  if ((metadata as Record<string, unknown>).admin === false) throw new CliError(`--admin contradicts "admin": false in the metadata\nusage: ${usage}`, 2);
  return { ...metadata, admin: true };
}

const printSecretOnce = (io: CliIo, secret: unknown) => {
  if (typeof secret === 'string') io.out(`client_secret: ${secret}\n(shown once, stored only as a hash: keep it now)\n`);
};

export const clientCommands: Noun = {
  create: {
    usage: 'client create --metadata-file <path|-> [--admin] [--json]',
    summary:
      'register a client from RFC 7591 metadata JSON ("-" reads standard input); include "scope" and "audience" for API access. ' +
      '--admin: a client for the admin API (client_credentials, scope "admin:read admin:write" unless given; metadata optional)',
    async run({ args, io, json, services }) {
      const { values } = parse(args, { 'metadata-file': { type: 'string' }, admin: { type: 'boolean' } }, this.usage);
      const admin = values.admin === true;
      const file = values['metadata-file'];
      const metadata = admin && file === undefined ? { admin: true } : await readMetadata(file, io, this.usage);
      const { clients } = (await services()).management;
      const input = admin ? asAdmin(metadata, this.usage) : metadata;
      for (const warning of clients.warningsFor(input)) io.err(`warning: ${warning}\n`);
      const registered = await clients.create(CLI_CONTEXT, input);
      if (json) return printJson(io, registered);
      io.out(registered.admin === true ? `created admin client ${registered.client_id} (scope: ${String(registered.scope)})\n` : `created client ${registered.client_id}\n`);
      printSecretOnce(io, registered.client_secret);
    },
  },
  update: {
    usage: 'client update <client_id> --metadata-file <path|-> [--json]',
    summary: "change a client in place: the JSON is merged into its metadata (RFC 7396; null removes a field); taking a scope or an API away revokes the client's grants",
    async run({ args, io, json, services }) {
      const { positionals, values } = parse(args, { 'metadata-file': { type: 'string' } }, this.usage);
      const clientId = requirePositional(positionals, 'client_id', this.usage);
      const patch = await readMetadata(values['metadata-file'], io, this.usage);
      const { clients } = (await services()).management;
      for (const warning of clients.warningsFor(patch)) io.err(`warning: ${warning}\n`);
      const updated = await clients.update(CLI_CONTEXT, clientId, patch);
      if (json) return printJson(io, updated);
      io.out(`updated client ${updated.client_id}\n`);
      printSecretOnce(io, updated.client_secret);
    },
  },
  'rotate-secret': {
    usage: 'client rotate-secret <client_id> [--previous-valid-for <seconds>] [--json]',
    summary: 'issue a new client secret (shown once); the old one stops working at once, or keeps working --previous-valid-for seconds (at most 30 days)',
    async run({ args, io, json, services }) {
      const { positionals, values } = parse(args, { 'previous-valid-for': { type: 'string' } }, this.usage);
      const clientId = requirePositional(positionals, 'client_id', this.usage);
      const previousSecretValidFor = wholeSeconds(values['previous-valid-for'], 'previous-valid-for', this.usage) ?? 0;
      const rotated = await (await services()).management.clients.rotateSecret(CLI_CONTEXT, clientId, { previousSecretValidFor });
      if (json) return printJson(io, rotated);
      io.out(`new secret for client ${rotated.client_id}\n`);
      printSecretOnce(io, rotated.client_secret);
      io.out(rotated.previous_secret_expires_at ? `previous_secret_expires_at: ${rotated.previous_secret_expires_at}\n` : 'the previous secret stopped working\n');
    },
  },
  list: {
    usage: 'client list [--json]',
    summary: 'list clients (secrets are never stored in readable form)',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const clients = await (await services()).management.clients.list();
      if (json) return printJson(io, clients);
      io.out(table(clients.map((c) => ({
        client_id: c.client_id,
        name: typeof c.client_name === 'string' ? c.client_name : '',
        auth: typeof c.token_endpoint_auth_method === 'string' ? c.token_endpoint_auth_method : '',
        grants: list(c.grant_types),
        audience: list(c.audience),
      })), ['client_id', 'name', 'auth', 'grants', 'audience']));
    },
  },
  show: {
    usage: 'client show <client_id> [--json]',
    summary: "print a client's metadata and when its secrets were last used (never a secret)",
    async run({ args, io, services }) {
      if (args.includes('--show-secret')) {
        throw new CliError('client secrets are stored only as a hash and cannot be shown; issue a new one with: client rotate-secret <client_id>');
      }
      const { positionals } = parse(args, {}, this.usage);
      const clientId = requirePositional(positionals, 'client_id', this.usage);
      printJson(io, await (await services()).management.clients.show(clientId));
    },
  },
  delete: {
    usage: 'client delete <client_id> [--json]',
    summary: 'delete a client and revoke every grant and token it was issued (issued JWTs live until they expire, but introspect inactive)',
    async run({ args, io, json, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const clientId = requirePositional(positionals, 'client_id', this.usage);
      await (await services()).management.clients.delete(CLI_CONTEXT, clientId);
      if (json) printJson(io, { client_id: clientId, deleted: true });
      else io.out(`deleted client ${clientId}\n`);
    },
  },
};
