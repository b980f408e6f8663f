import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { PROCESS_DEADLINE_MS, ROOT, type ProcessResult } from './processes.ts';

/** util-linux `script`, which runs a command on a pseudo-terminal of its own. */
export const haveScript = spawnSync('script', ['--version']).status === 0;

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Runs a Node script on a pseudo-terminal, as a person at a terminal would, and types
 * `answers[i]` once the output shows the (i+1)-th match of `prompt`. The output is
 * everything the terminal showed (stdout and stderr together, line ends as "\n").
 */
export async function runInTerminal(
  script: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; prompt?: RegExp; answers?: readonly string[] },
): Promise<ProcessResult> {
  const command = [process.execPath, script, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: options.cwd ?? ROOT,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let typed = 0;
  const { prompt = /$^/, answers = [] } = options;
  const prompts = new RegExp(prompt.source, `${prompt.flags.replace('g', '')}g`);
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    const shown = output.match(prompts)?.length ?? 0;
    while (typed < shown && typed < answers.length) child.stdin.write(answers[typed++]!);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_DEADLINE_MS);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout: output.replace(/\r\n/g, '\n'), stderr: '' };
}
