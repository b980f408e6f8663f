import type { Account } from '../../accounts/account-repository.ts';
import { CLI_CONTEXT } from '../../management/operation-context.ts';
import type { UserOperations } from '../../management/user-operations.ts';
import { parse, requirePositional } from '../args.ts';
import { printJson, table, type Command, type Noun } from '../io.ts';
import { createUser, setPassword, updateUser } from './user-edit.ts';
import { briefUserJson, userJson } from './user-json.ts';

/** A command that acts on one account (by id or email) and reports the account. */
function accountCommand<A extends Account>(
  verb: string,
  summary: string,
  act: (users: UserOperations, reference: string) => Promise<A>,
  report: (account: A) => { json: unknown; text: string },
): Command {
  return {
    usage: `user ${verb} <id|email> [--json]`,
    summary,
    async run({ args, io, json, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const reference = requirePositional(positionals, 'account id or email', this.usage);
      const account = await act((await services()).management.users, reference);
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
    (users, reference) => users.setDisabled(CLI_CONTEXT, reference, disabled),
    (account) => ({ json: userJson(account), text: `${disabled ? 'disabled' : 'enabled'} user ${account.email}` }),
  );

const briefly = (done: string) => (account: Account) => ({ json: briefUserJson(account), text: `${done} ${account.email}` });

export const userCommands: Noun = {
  create: createUser,
  list: {
    usage: 'user list [--json]',
    summary: 'list accounts',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const accounts = await (await services()).management.users.list();
      if (json) return printJson(io, accounts.map(userJson));
      io.out(
        table(
          accounts.map((a) => ({ id: a.id, email: a.email, name: a.name ?? '', status: a.disabled ? 'disabled' : 'active' })),
          ['id', 'email', 'name', 'status'],
        ),
      );
    },
  },
  show: {
    usage: 'user show <id|email> [--json]',
    summary: 'print an account (never its password hash)',
    async run({ args, io, services }) {
      const { positionals } = parse(args, {}, this.usage);
      const reference = requirePositional(positionals, 'account id or email', this.usage);
      printJson(io, userJson(await (await services()).management.users.show(reference)));
    },
  },
  update: updateUser,
  disable: setDisabledCommand(true, 'disable an account and end every session and grant it has (enabling again revives none of them)'),
  enable: setDisabledCommand(false, 'enable a disabled account (it signs in afresh)'),
  'sign-out': accountCommand(
    'sign-out',
    'sign an account out everywhere: every session, grant, refresh token and opaque access token ends',
    (users, reference) => users.signOut(CLI_CONTEXT, reference),
    briefly('signed out everywhere:'),
  ),
  'revoke-grants': accountCommand(
    'revoke-grants',
    'revoke every grant of an account: its refresh tokens and opaque access tokens end; its sessions stay signed in',
    (users, reference) => users.revokeGrants(CLI_CONTEXT, reference),
    briefly('revoked every grant of'),
  ),
  'reset-second-factors': accountCommand(
    'reset-second-factors',
    'for someone who lost their authenticator: remove their TOTP (with its recovery codes) and passkeys, and sign them out everywhere; the password stays',
    (users, reference) => users.resetSecondFactors(CLI_CONTEXT, reference),
    (account) => ({
      json: { ...briefUserJson(account), totp_removed: account.totpRemoved, passkeys_removed: account.passkeysRemoved },
      text: `removed every second factor of ${account.email} (TOTP: ${account.totpRemoved ? 'removed' : 'none'}, passkeys: ${account.passkeysRemoved}); signed out everywhere`,
    }),
  ),
  delete: accountCommand(
    'delete',
    'delete an account after ending every session and grant it has',
    (users, reference) => users.delete(CLI_CONTEXT, reference),
    briefly('deleted user'),
  ),
  'set-password': setPassword,
};
