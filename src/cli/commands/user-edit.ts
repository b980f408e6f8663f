// The user commands that set what an account holds: create, update, set-password.
import type { AccountChanges } from '../../accounts/account-service.ts';
import { CLI_CONTEXT } from '../../management/operation-context.ts';
import { parse, requirePositional, trueOrFalse } from '../args.ts';
import { CliError, printJson, stripOneNewline, type CliIo, type Command } from '../io.ts';
import { briefUserJson, userJson } from './user-json.ts';

const requirePasswordStdin = (given: boolean | undefined, usage: string) => {
  if (!given) throw new CliError(`pass the password on standard input with --password-stdin\nusage: ${usage}`, 2);
};

const readPassword = async (io: CliIo): Promise<string> => stripOneNewline(await io.readStdin());

/** `user update`: what PATCH /admin/v1/users/{id} does, on the command line. */
export const updateUser: Command = {
  usage: 'user update <id|email> [--name <name>] [--email-verified true|false] [--disabled true|false] [--password-stdin] [--json]',
  summary: 'change an account in one step (--name "" removes the name); a new password or disabling ends every session and grant it has',
  async run({ args, io, json, services }) {
    const { positionals, values } = parse(
      args,
      {
        name: { type: 'string' },
        'email-verified': { type: 'string' },
        disabled: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
      this.usage,
    );
    const reference = requirePositional(positionals, 'account id or email', this.usage);
    const emailVerified = trueOrFalse(values['email-verified'], 'email-verified', this.usage);
    const disabled = trueOrFalse(values.disabled, 'disabled', this.usage);
    const changes: AccountChanges = {
      ...(values.name !== undefined ? { name: values.name.trim() === '' ? null : values.name } : {}),
      ...(emailVerified !== undefined ? { emailVerified } : {}),
      ...(disabled !== undefined ? { disabled } : {}),
      ...(values['password-stdin'] ? { password: await readPassword(io) } : {}),
    };
    if (Object.keys(changes).length === 0)
      throw new CliError(
        `nothing to change: give at least one of --name, --email-verified, --disabled, --password-stdin\nusage: ${this.usage}`,
        2,
      );
    const account = await (await services()).management.users.update(CLI_CONTEXT, reference, changes);
    if (json) printJson(io, userJson(account));
    else io.out(`updated user ${account.email}\n`);
  },
};

export const setPassword: Command = {
  usage: 'user set-password <id|email> --password-stdin [--json]',
  summary: "replace an account's password (read from standard input) and end every session and grant it has",
  async run({ args, io, json, services }) {
    const { positionals, values } = parse(args, { 'password-stdin': { type: 'boolean' } }, this.usage);
    const reference = requirePositional(positionals, 'account id or email', this.usage);
    requirePasswordStdin(values['password-stdin'], this.usage);
    const password = await readPassword(io);
    const account = await (await services()).management.users.setPassword(CLI_CONTEXT, reference, password);
    if (json) printJson(io, briefUserJson(account));
    else io.out(`password changed for ${account.email}\n`);
  },
};

export const createUser: Command = {
  usage: 'user create --email <email> --password-stdin [--name <name>] [--email-verified] [--json]',
  summary: 'create an account (password read from standard input)',
  async run({ args, io, json, services }) {
    const { values } = parse(
      args,
      { email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' }, 'email-verified': { type: 'boolean' } },
      this.usage,
    );
    if (!values.email) throw new CliError(`missing --email\nusage: ${this.usage}`, 2);
    requirePasswordStdin(values['password-stdin'], this.usage);
    const password = await readPassword(io);
    const account = await (
      await services()
    ).management.users.create(CLI_CONTEXT, {
      email: values.email,
      password,
      name: values.name,
      emailVerified: values['email-verified'] === true,
    });
    if (json) printJson(io, briefUserJson(account));
    else io.out(`created user ${account.email} (id ${account.id})\n`);
  },
};
