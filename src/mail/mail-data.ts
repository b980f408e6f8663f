import type { OutgoingMail } from './mailer.ts';
import { MAIL_TEMPLATES } from './templates.ts';

// One bare address: a list ("a@x, b@y") or a display name would let a caller reach more people.
const SINGLE_ADDRESS = /^[^\s@,;:<>()[\]"\\]+@[^\s@,;:<>()[\]"\\]+$/;
// eslint-disable-next-line no-control-regex -- control characters are what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;
// Zero-width and bidirectional controls: they can hide an address ("evil\u200B.example") or reorder text.
const INVISIBLE_CHARACTERS = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;
// Mail clients turn addresses and host names into links; a name like "Visit evil.example" would
// put a second, foreign link into a mail people trust.
const LOOKS_LIKE_ADDRESS = /:\/\/|www\.|[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}|\d+\.\d+\.\d+\.\d+/u;
const MAX_TEXT_LENGTH = 80;

const isLinkKey = (key: string): boolean => /link$/i.test(key);

/**
 * Checks a mail before anything is rendered or sent; a failure is a programming error (a plain
 * Error, never sent). Messages name the key, not the value: a link carries a live token.
 */
export function assertSendable(mail: OutgoingMail, issuer: string): void {
  if (!(MAIL_TEMPLATES as readonly string[]).includes(mail.template)) throw new Error(`mail: unknown template "${String(mail.template)}"`);
  if (typeof mail.to !== 'string' || !SINGLE_ADDRESS.test(mail.to))
    throw new Error(`mail ${mail.template}: "to" must be one email address`);
  if (typeof mail.data.link !== 'string') throw new Error(`mail ${mail.template}: data.link is required`);
  const origin = new URL(issuer).origin;
  for (const [key, value] of Object.entries(mail.data)) {
    if (typeof value !== 'string') throw new Error(`mail ${mail.template}: data.${key} must be a string`);
    if (isLinkKey(key) && !isLinkOn(origin, value))
      throw new Error(`mail ${mail.template}: data.${key} must be an http(s) URL on ${origin}`);
  }
}

function isLinkOn(origin: string, value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin && url.username === '' && url.password === '';
}

/**
 * The values as the templates show them: links as given, every other value on one short line,
 * and left out when it reads like an address a mail client would make clickable.
 */
export function displayData(data: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, isLinkKey(key) ? value : harmlessText(value)]));
}

function harmlessText(value: string): string {
  const line = value.replace(INVISIBLE_CHARACTERS, '').replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  if (LOOKS_LIKE_ADDRESS.test(line)) return '';
  return line.length > MAX_TEXT_LENGTH ? `${line.slice(0, MAX_TEXT_LENGTH - 1)}…` : line;
}

/** The domain of an address, the most of a recipient that failure logs name. */
export const recipientDomain = (to: string): string => to.slice(to.lastIndexOf('@') + 1).toLowerCase();
