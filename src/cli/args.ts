import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with errors turned into one-line usage errors (exit code 2). */
export function parse<O extends Options>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliError(`${(error as Error).message.replace(/\. To specify.*$/s, '')}\nusage: ${usage}`, 2);
  }
}

export function requirePositional(positionals: string[], name: string, usage: string): string {
  const [value, ...rest] = positionals;
  if (!value) throw new CliError(`missing ${name}\nusage: ${usage}`, 2);
  if (rest.length > 0) throw new CliError(`unexpected argument ${rest[0]}\nusage: ${usage}`, 2);
  return value;
}
