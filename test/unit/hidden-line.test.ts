import { PassThrough } from 'node:stream';
import { PromptAborted, readHiddenLine } from '../../src/cli/hidden-line.ts';
import { promptNewPassword } from '../../src/cli/stdin.ts';

class FakeTerminal extends PassThrough {
  readonly modes: boolean[] = [];
  setRawMode(mode: boolean) {
    this.modes.push(mode);
    return this;
  }
}

const screen = () => {
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  return { output, shown: () => shown };
};

test('reads one line in raw mode, without echo, with Backspace and Ctrl-U', async () => {
  const input = new FakeTerminal();
  const { output, shown } = screen();
  const line = readHiddenLine(input, output, 'Password: ');
  for (const keys of ['wrong', '\u0015', 'sec', 'x\u007f', 'ret é', '\u001b[D', '\r']) input.write(keys);
  await expect(line).resolves.toBe('secret é');
  expect(shown()).toBe('Password: \n');
  expect(input.modes).toEqual([true, false]);
});

test('Ctrl-C rejects with PromptAborted and leaves raw mode', async () => {
  const input = new FakeTerminal();
  const line = readHiddenLine(input, screen().output, 'Password: ');
  input.write('abc\u0003');
  await expect(line).rejects.toBeInstanceOf(PromptAborted);
  expect(input.modes).toEqual([true, false]);
});

test('a new password is asked for twice; different answers are refused', async () => {
  const input = new FakeTerminal();
  const { output, shown } = screen();
  const same = promptNewPassword(input, output);
  input.write('one two three\r');
  await new Promise((resolve) => setImmediate(resolve));
  input.write('one two three\r');
  await expect(same).resolves.toBe('one two three');
  expect(shown()).toBe('Password: \nRepeat password: \n');

  const different = promptNewPassword(input, screen().output);
  input.write('one\r');
  await new Promise((resolve) => setImmediate(resolve));
  input.write('two\r');
  await expect(different).rejects.toThrow('the two passwords typed do not match; nothing was changed');
});
