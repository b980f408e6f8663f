import type { Account } from '../../accounts/account-repository.ts';
import { parse, requirePositional } from '../args.ts';
import type { AccountService } from '../../accounts/account-service.ts';
import { CliError, printJson, stripOneNewline, table, type Command, type Noun } from '../io.ts';

const toJson = (account: Account) => ({
  id: account.id,
  email: account.email,
  name: account.name,
  email_verified: account.emailVerified,
  disabled: account.disabled,
  created_at: account.createdAt.toISOString(),
});

/** A command that acts on one account (by id or email) and reports the account. */
function accountCommand(
  verb: string,
  summary: string,
  act: (accounts: AccountService, reference: string) => Promise<Account>,
  report: (account: Account) => { json: unknown; text: string },
): Command {
  return {
    usage: `user ${verb} <id|email> [--json]`,
    summary,
    async run({ args, io, json, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const reference = requirePositional(positionals, 'account id or email', this.usage);
      const account = await act((await services()).accounts, reference);
      const { json: value, text } = report(account);
      if (json) printJson(io, value);
      else io.out(`${text}\n`);
    },
  };
}

const setDisabledCommand = (disabled: boolean, summary: string): Command =>
  accountCommand(
    disabled ? 'disable' : 'enable',
    summary,
    (accounts, reference) => accounts.setDisabled(reference, disabled),
    (account) => ({
      json: toJson(account),
      text: `${disabled ? 'disabled' : 'enabled'} user ${account.email}`,
    }),
  );

const briefly = (done: string) => (account: Account) => ({
  json: { id: account.id, email: account.email },
  text: `${done} ${account.email}`,
});

export const userCommands: Noun = {
  create: {
    usage: 'user create --email <email> --password-stdin [--name <name>] [--email-verified] [--json]',
    summary: 'create an account (password read from standard input)',
    async run({ args, io, json, services }) {
      const { values } = parse(
        args,
        {
          email: { type: 'string' },
          name: { type: 'string' },
          'password-stdin': { type: 'boolean' },
          'email-verified': { type: 'boolean' },
        },
        this.usage,
      );
      if (!values.email) throw new CliError(`missing --email\nusage: ${this.usage}`, 2);
      if (!values['password-stdin'])
        throw new CliError(`pass the password on standard input with --password-stdin\nusage: ${this.usage}`, 2);
      const password = stripOneNewline(await io.readStdin());
      const { accounts } = await services();
      const account = await accounts.register({
        email: values.email,
        password,
        name: values.name,
        emailVerified: values['email-verified'] === true,
      });
      if (json) printJson(io, { id: account.id, email: account.email });
      else io.out(`created user ${account.email} (id ${account.id})\n`);
    },
  },
  list: {
    usage: 'user list [--json]',
    summary: 'list accounts',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const accounts = await (await services()).accounts.list();
      if (json) return printJson(io, accounts.map(toJson));
      io.out(
        table(
          accounts.map((a) => ({ id: a.id, email: a.email, name: a.name ?? '', status: a.disabled ? 'disabled' : 'active' })),
          ['id', 'email', 'name', 'status'],
        ),
      );
    },
  },
  disable: setDisabledCommand(true, 'disable an account and end every session and grant it has (enabling again revives none of them)'),
  enable: setDisabledCommand(false, 'enable a disabled account (it signs in afresh)'),
  'sign-out': accountCommand(
    'sign-out',
    'sign an account out everywhere: every session, grant, refresh token and opaque access token ends',
    (accounts, reference) => accounts.signOutEverywhere(reference),
    briefly('signed out everywhere:'),
  ),
  delete: accountCommand(
    'delete',
    'delete an account after ending every session and grant it has',
    (accounts, reference) => accounts.delete(reference),
    briefly('deleted user'),
  ),
  'set-password': {
    usage: 'user set-password <id|email> --password-stdin [--json]',
    summary: "replace an account's password (read from standard input) and end every session and grant it has",
    async run({ args, io, json, services }) {
      const { positionals, values } = parse(args, { 'password-stdin': { type: 'boolean' } }, this.usage);
      const reference = requirePositional(positionals, 'account id or email', this.usage);
      if (!values['password-stdin'])
        throw new CliError(`pass the password on standard input with --password-stdin\nusage: ${this.usage}`, 2);
      const password = stripOneNewline(await io.readStdin());
      const { accounts } = await services();
      const account = await accounts.setPassword(reference, password);
      if (json) printJson(io, { id: account.id, email: account.email });
      else io.out(`password changed for ${account.email}\n`);
    },
  },
};
