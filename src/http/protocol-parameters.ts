import { AppError } from '../errors/app-error.ts';
import { isSafeText } from './safe-text.ts';

export type Parameters = ReadonlyArray<readonly [string, string]>;

export class UnsafeParameterError extends AppError {
  override name = 'UnsafeParameterError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const decodeComponent = (component: string): string => {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    throw new UnsafeParameterError('request parameters must be valid percent-encoded UTF-8');
  }
};

// Anything but printable ASCII, and any percent-escape that is not of printable ASCII (or is malformed).
const NEEDS_STRICT_PARSING = /[^\x20-\x7E]|%(?![2-7][0-9A-Fa-f])|%7[Ff]/;

/**
 * True when `encoded` is printable ASCII whose escapes are printable ASCII too: parsing could find
 * nothing to refuse, so the hot endpoints skip it.
 */
export const isPlainAscii = (encoded: string | Buffer): boolean =>
  !NEEDS_STRICT_PARSING.test(typeof encoded === 'string' ? encoded : encoded.toString('latin1'));

/**
 * Parses `application/x-www-form-urlencoded` text (a query string or a form body) strictly:
 * invalid UTF-8 and control characters are refused instead of being replaced or passed on to a
 * database that would refuse them later (PostgreSQL does, for NUL).
 */
export function parseParameters(encoded: string | Buffer): Parameters {
  let text: string;
  try {
    text = typeof encoded === 'string' ? encoded : strictUtf8.decode(encoded);
  } catch {
    throw new UnsafeParameterError('request body must be valid UTF-8');
  }
  const parameters: Array<readonly [string, string]> = [];
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeComponent(pair.slice(separator + 1));
    if (!isSafeText(name) || !isSafeText(value)) throw new UnsafeParameterError(`parameter ${isSafeText(name) ? name : '(name)'} contains control characters or invalid Unicode`);
    parameters.push([name, value]);
  }
  return parameters;
}

export interface SizeLimits {
  /** Longest value of any one parameter except `request` (a request object, bounded by the total). */
  readonly maxParameterLength: number;
  /** Longest sum of names and values. */
  readonly maxTotalLength: number;
}

/** The first reason these authorization parameters are too large to store for an interaction, if any. */
export function oversizedParameter(parameters: Parameters, limits: SizeLimits): string | undefined {
  let total = 0;
  for (const [name, value] of parameters) {
    total += name.length + value.length;
    if (name !== 'request' && value.length > limits.maxParameterLength) {
      return `parameter ${name.slice(0, 40)} is longer than ${limits.maxParameterLength} characters`;
    }
  }
  return total > limits.maxTotalLength ? `authorization request parameters are longer than ${limits.maxTotalLength} characters in all` : undefined;
}
