import type { SigningKeyView } from '../../keys/signing-key-service.ts';
import { CLI_CONTEXT } from '../../management/operation-context.ts';
import { parse } from '../args.ts';
import { printJson, table, type Noun } from '../io.ts';

const row = (key: SigningKeyView) => ({
  kid: key.kid,
  alg: key.alg,
  status: key.status,
  activated: key.activated_at ?? '',
  retired: key.retired_at ?? '',
  published_until: key.published_until ?? '',
});

export const keyCommands: Noun = {
  list: {
    usage: 'keys list [--json]',
    summary: 'list the signing keys: kid, algorithm, status (current, next, retired) and until when a retired key stays published',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const keys = await (await services()).management.keys.list();
      if (json) return printJson(io, keys);
      io.out(table(keys.map(row), ['kid', 'alg', 'status', 'activated', 'retired', 'published_until']));
    },
  },
  rotate: {
    usage: 'keys rotate [--json]',
    summary: 'make a new signing key current on every instance (at most once a minute); the old one stays published until the tokens it signed expire',
    async run({ args, io, json, services }) {
      parse(args, {}, this.usage);
      const { activated, retired } = await (await services()).management.keys.rotate(CLI_CONTEXT);
      if (json) return printJson(io, { activated, retired });
      for (const key of activated) io.out(`activated ${key.alg} key ${key.kid}\n`);
      for (const key of retired) io.out(`retired ${key.alg} key ${key.kid} (published until ${key.published_until ?? 'now'})\n`);
    },
  },
};
