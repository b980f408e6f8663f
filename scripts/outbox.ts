// Shows the newest mails of the development outbox (DATA_DIR/outbox/, written when SMTP_URL is
// unset): who, what, when, and the link each one carries, ready to open. Usage:
//   npm run --silent outbox [count]        (default 5; DATA_DIR as for npm start, default ./data)
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const folder = resolve(process.env.DATA_DIR ?? './data', 'outbox');
const count = Number(process.argv[2] ?? 5);

/** The text of a message's plain-text part, quoted-printable undone. */
function plainText(message: string): string {
  const part = /Content-Type: text\/plain[\s\S]*?\r?\n\r?\n([\s\S]*?)(?:\r?\n--|$)/i.exec(message)?.[1] ?? '';
  return part.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const header = (message: string, name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(message)?.[1]?.trim() ?? '';

const files = (await readdir(folder).catch(() => [] as string[])).filter((file) => file.endsWith('.eml')).sort().slice(-count);
if (files.length === 0) process.stdout.write(`no mail in ${folder}\n`);
for (const file of files) {
  const message = await readFile(join(folder, file), 'utf8');
  const links = [...new Set(plainText(message).match(/https?:\/\/\S+/g) ?? [])];
  process.stdout.write(`${header(message, 'Date')}  to ${header(message, 'To')}\n  ${header(message, 'Subject')}\n${links.map((link) => `  ${link}\n`).join('')}  (${join(folder, file)})\n\n`);
}
