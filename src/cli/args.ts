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

/** A `--flag <seconds>` value as a whole number (its range is the service's to check), or undefined when not given. */
export function wholeSeconds(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isInteger(seconds)) throw new CliError(`--${flag} must be a whole number of seconds, got "${value}"\nusage: ${usage}`, 2);
  return seconds;
}

/** A `--flag true|false` value, or undefined when not given. */
export function trueOrFalse(value: string | undefined, flag: string, usage: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new CliError(`--${flag} must be true or false, got "${value}"\nusage: ${usage}`, 2);
  return value === 'true';
}

/** Space- or repeat-separated `--scope` values as one list. */
export const scopeValues = (values: readonly string[] | undefined): string[] => (values ?? []).flatMap((scope) => scope.split(/\s+/)).filter(Boolean);

/** A `--flag <choice>` value that must be one of `choices`, or undefined when not given. */
export function oneOf<C extends string>(value: string | undefined, choices: readonly C[], flag: string, usage: string): C | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new CliError(`--${flag} must be ${choices.join(' or ')}, got "${value}"\nusage: ${usage}`, 2);
  return value as C;
}
