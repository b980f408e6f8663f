import { join } from 'node:path';
import { logFormat } from '../../src/observability/log-format.ts';
import { ROOT, runNode } from '../support/processes.ts';
import { haveScript, runInTerminal } from '../support/terminal.ts';

const SAMPLE = join(ROOT, 'test/support/log-sample.ts');
const READABLE =
  /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Portcullis listening \{"database":"embedded"\}\n\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[http\] request refused \{"status":401,"password":"\[redacted\]"\}\n$/;
const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', ...extra };
  if (!('LOG_FORMAT' in extra)) delete base.LOG_FORMAT;
  return base;
};
const withoutColour = (text: string) => text.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');

test('the format: LOG_FORMAT wins; otherwise readable only on a terminal outside production', () => {
  expect(logFormat({ NODE_ENV: 'development' }, { isTTY: true })).toBe('pretty');
  expect(logFormat({}, { isTTY: true })).toBe('pretty');
  expect(logFormat({ NODE_ENV: 'development' }, { isTTY: false })).toBe('json');
  expect(logFormat({ NODE_ENV: 'development' }, {})).toBe('json');
  expect(logFormat({ NODE_ENV: 'production' }, { isTTY: true })).toBe('json');
  expect(logFormat({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }, { isTTY: false })).toBe('pretty');
  expect(logFormat({ NODE_ENV: 'development', LOG_FORMAT: 'json' }, { isTTY: true })).toBe('json');
});

test('piped standard output gets JSON lines', async () => {
  const result = await runNode(SAMPLE, [], { env: env({ NODE_ENV: 'development' }) });
  const lines = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toMatchObject([
    { level: 30, msg: 'Portcullis listening' },
    { level: 40, component: 'http', password: '[redacted]' },
  ]);
});

test('LOG_FORMAT=pretty gives readable lines without colour in a pipe, still redacted', async () => {
  const result = await runNode(SAMPLE, [], { env: env({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }) });
  expect(result.stdout).toMatch(READABLE);
  expect(result.stdout).not.toContain('\u001b[');
});

(haveScript ? describe : describe.skip)('on a terminal', () => {
  test('development logs are readable and coloured', async () => {
    const result = await runInTerminal(SAMPLE, [], { env: env({ NODE_ENV: 'development' }) });
    expect(result.stdout).toContain('\u001b[');
    expect(withoutColour(result.stdout)).toMatch(READABLE);
    expect(result.stdout).not.toContain('hunter2');
  });

  test('production logs stay JSON, and LOG_FORMAT=json forces JSON in development', async () => {
    for (const extra of [{ NODE_ENV: 'production' }, { NODE_ENV: 'development', LOG_FORMAT: 'json' }] as Array<Record<string, string>>) {
      const result = await runInTerminal(SAMPLE, [], { env: env(extra) });
      expect(JSON.parse(result.stdout.split('\n')[0]!)).toMatchObject({ msg: 'Portcullis listening', service: 'portcullis' });
    }
  });
});
