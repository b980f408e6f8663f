import { CLI_CONTEXT } from '../../management/operation-context.ts';
import { USER_ACCESS, type Resource } from '../../resources/resource-registry.ts';
import { oneOf, parse, requirePositional, scopeValues, wholeSeconds } from '../args.ts';
import { CliError, printJson, table, type Noun } from '../io.ts';

const toJson = (resource: Resource) => ({
  id: resource.identifier,
  name: resource.name,
  scopes: resource.scopes,
  scope_descriptions: resource.scopeDescriptions,
  access_token_ttl: resource.accessTokenTtl,
  token_format: resource.tokenFormat,
  user_access: resource.userAccess,
  created_at: resource.createdAt.toISOString(),
});

const settings = { scope: { type: 'string', multiple: true }, ttl: { type: 'string' }, format: { type: 'string' }, 'user-access': { type: 'string' }, name: { type: 'string' }, 'scope-description': { type: 'string', multiple: true } } as const;

/** `--scope-description 'api:read=See your orders'`, repeatable: { scope: description }. */
function scopeDescriptionsOf(values: string[] | undefined, usage: string): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  return Object.fromEntries(
    values.map((value) => {
      const at = value.indexOf('=');
      if (at <= 0) throw new CliError(`--scope-description expects <scope>=<text> (got "${value}")\nusage: ${usage}`, 2);
      return [value.slice(0, at), value.slice(at + 1)];
    }),
  );
}
const FORMATS = ['jwt', 'opaque'] as const;

const describe = (resource: Resource) => `${resource.identifier} (scopes: ${resource.scopes.join(' ')}; ${resource.tokenFormat} tokens for ${resource.accessTokenTtl} s)`;

export const resourceCommands: Noun = {
  create: {
    usage: 'resource create --id <uri> --scope <scope> [--scope <scope>]... [--name <text>] [--scope-description <scope>=<text>]... [--ttl <seconds>] [--format jwt|opaque] [--user-access listed-clients|any-client] [--json]',
    summary: 'register an API (RFC 8707 resource indicator) and the scopes it accepts',
    async run({ args, io, json, services }) {
      const { values } = parse(args, { id: { type: 'string' }, ...settings }, this.usage);
      if (!values.id) throw new CliError(`missing --id\nusage: ${this.usage}`, 2);
      const accessTokenTtl = wholeSeconds(values.ttl, 'ttl', this.usage);
      const tokenFormat = oneOf(values.format, FORMATS, 'format', this.usage);
      const userAccess = oneOf(values['user-access'], USER_ACCESS, 'user-access', this.usage);
      const resource = await (await services()).management.resources.create(CLI_CONTEXT, {
        identifier: values.id,
        scopes: scopeValues(values.scope),
        accessTokenTtl,
        tokenFormat,
        userAccess,
        name: values.name,
        scopeDescriptions: scopeDescriptionsOf(values['scope-description'], this.usage),
      });
      if (json) printJson(io, toJson(resource));
      else io.out(`created resource ${resource.identifier} (scopes: ${resource.scopes.join(' ')})\n`);
    },
  },
  list: {
    usage: 'resource list [--json]',
    summary: 'list registered APIs',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const resources = await (await services()).management.resources.list();
      if (json) return printJson(io, resources.map(toJson));
      io.out(table(resources.map((r) => ({ id: r.identifier, scopes: r.scopes.join(' '), format: r.tokenFormat, ttl: String(r.accessTokenTtl) })), ['id', 'scopes', 'format', 'ttl']));
    },
  },
  show: {
    usage: 'resource show <uri> [--json]',
    summary: 'print a registered API: its scopes, token lifetime and format',
    async run({ args, io, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const identifier = requirePositional(positionals, 'resource identifier', this.usage);
      printJson(io, toJson(await (await services()).management.resources.show(identifier)));
    },
  },
  update: {
    usage: 'resource update <uri> [--scope <scope>]... [--name <text>] [--scope-description <scope>=<text>]... [--ttl <seconds>] [--format jwt|opaque] [--user-access listed-clients|any-client] [--json]',
    summary: "change a registered API: --scope replaces its scopes (give each one it keeps), --name and --scope-description what the consent page shows (--name \"\" removes it), --ttl its tokens' lifetime, --format their format",
    async run({ args, io, json, services }) {
      const { positionals, values } = parse(args, settings, this.usage);
      const identifier = requirePositional(positionals, 'resource identifier', this.usage);
      const accessTokenTtl = wholeSeconds(values.ttl, 'ttl', this.usage);
      const tokenFormat = oneOf(values.format, FORMATS, 'format', this.usage);
      const userAccess = oneOf(values['user-access'], USER_ACCESS, 'user-access', this.usage);
      const changes = {
        ...(userAccess !== undefined ? { userAccess } : {}),
        ...(values.scope !== undefined ? { scopes: scopeValues(values.scope) } : {}),
        ...(accessTokenTtl !== undefined ? { accessTokenTtl } : {}),
        ...(tokenFormat !== undefined ? { tokenFormat } : {}),
        ...(values.name !== undefined ? { name: values.name === '' ? null : values.name } : {}),
        ...(values['scope-description'] !== undefined ? { scopeDescriptions: scopeDescriptionsOf(values['scope-description'], this.usage) } : {}),
      };
      if (Object.keys(changes).length === 0) throw new CliError(`nothing to change: give at least one of --scope, --name, --scope-description, --ttl, --format, --user-access\nusage: ${this.usage}`, 2);
      const resource = await (await services()).management.resources.update(CLI_CONTEXT, identifier, changes);
      if (json) printJson(io, toJson(resource));
      else io.out(`updated resource ${describe(resource)}\n`);
    },
  },
  delete: {
    usage: 'resource delete <uri> [--json]',
    summary: 'delete a registered API',
    async run({ args, io, json, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const identifier = requirePositional(positionals, 'resource identifier', this.usage);
      await (await services()).management.resources.delete(CLI_CONTEXT, identifier);
      if (json) printJson(io, { id: identifier, deleted: true });
      else io.out(`deleted resource ${identifier}\n`);
    },
  },
};
