import { PromptAborted, readHiddenLine, type TerminalInput } from './hidden-line.ts';
import { CliError } from './io.ts';

let cached: Promise<string> | undefined;

/**
 * Standard input, read once; later calls get the same text. A terminal holds nothing to read,
 * except the password a `--password-stdin` command asks for: that is prompted for instead (Ctrl-C
 * there ends the process with exit code 130).
 */
export function readProcessStdin(): Promise<string> {
  cached ??= process.stdin.isTTY ? fromTerminal(process.argv.slice(2)) : readAll(process.stdin);
  return cached;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

function fromTerminal(args: readonly string[]): Promise<string> {
  if (!args.includes('--password-stdin') || args.includes('--help') || args.includes('-h')) return Promise.resolve('');
  return promptNewPassword(process.stdin, process.stderr).catch((error: unknown) => {
    if (error instanceof PromptAborted) process.exit(130);
    throw error;
  });
}

/** Asks for a new password twice, without echo; a mismatch is a CliError. */
export async function promptNewPassword(input: TerminalInput, output: NodeJS.WritableStream): Promise<string> {
  const password = await readHiddenLine(input, output, 'Password: ');
  const repeated = await readHiddenLine(input, output, 'Repeat password: ');
  if (password !== repeated) throw new CliError('the two passwords typed do not match; nothing was changed');
  return password;
}
