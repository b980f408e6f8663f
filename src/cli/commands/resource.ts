import type { Resource } from '../../resources/resource-registry.ts';
import { parse, requirePositional } from '../args.ts';
import { CliError, printJson, table, type Noun } from '../io.ts';

const toJson = (resource: Resource) => ({
  id: resource.identifier,
  scopes: resource.scopes,
  access_token_ttl: resource.accessTokenTtl,
  token_format: resource.tokenFormat,
  created_at: resource.createdAt.toISOString(),
});

export const resourceCommands: Noun = {
  create: {
    usage: 'resource create --id <uri> --scope <scope> [--scope <scope>]... [--ttl <seconds>] [--format jwt|opaque] [--json]',
    summary: 'register an API (RFC 8707 resource indicator) and the scopes it accepts',
    async run({ args, io, json, services }) {
      const { values } = parse(args, { id: { type: 'string' }, scope: { type: 'string', multiple: true }, ttl: { type: 'string' }, format: { type: 'string' } }, this.usage);
      if (!values.id) throw new CliError(`missing --id\nusage: ${this.usage}`, 2);
      const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
      if (ttl !== undefined && !Number.isInteger(ttl)) throw new CliError(`--ttl must be a whole number of seconds, got "${values.ttl}"\nusage: ${this.usage}`, 2);
      const scopes = (values.scope ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean);
      const resource = await (await services()).resources
        .create({ identifier: values.id, scopes, accessTokenTtl: ttl, tokenFormat: values.format as 'jwt' | 'opaque' | undefined });
      if (json) printJson(io, toJson(resource));
      else io.out(`created resource ${resource.identifier} (scopes: ${resource.scopes.join(' ')})\n`);
    },
  },
  list: {
    usage: 'resource list [--json]',
    summary: 'list registered APIs',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const resources = await (await services()).resources.list();
      if (json) return printJson(io, resources.map(toJson));
      io.out(table(resources.map((r) => ({ id: r.identifier, scopes: r.scopes.join(' '), format: r.tokenFormat, ttl: String(r.accessTokenTtl) })), ['id', 'scopes', 'format', 'ttl']));
    },
  },
  delete: {
    usage: 'resource delete <uri> [--json]',
    summary: 'delete a registered API',
    async run({ args, io, json, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const identifier = requirePositional(positionals, 'resource identifier', this.usage);
      await (await services()).resources.delete(identifier);
      if (json) printJson(io, { id: identifier, deleted: true });
      else io.out(`deleted resource ${identifier}\n`);
    },
  },
};
