import { readFile } from 'node:fs/promises';
import { callerPath } from './caller-path.ts';

/**
 * Before an invocation is forwarded to the server, a `--metadata-file <path>` is read here, where
 * the path means what the user meant, and sent as standard input (`--metadata-file -`).
 */
export async function localizeFileArguments(argv: readonly string[], readStdin: () => Promise<string>): Promise<{ args: string[]; stdin: string }> {
  const args = [...argv];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const inline = arg.startsWith('--metadata-file=') ? arg.slice('--metadata-file='.length) : undefined;
    const path = inline ?? (arg === '--metadata-file' ? args[i + 1] : undefined);
    if (path === undefined || path === '-') continue;
    const text = await readFile(callerPath(path), 'utf8');
    if (inline !== undefined) args[i] = '--metadata-file=-';
    else args[i + 1] = '-';
    return { args, stdin: text };
  }
  return { args, stdin: await readStdin() };
}
