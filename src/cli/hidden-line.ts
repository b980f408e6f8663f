/** A terminal's input side: a TTY ReadStream, or a stand-in with the same calls. */
export interface TerminalInput extends NodeJS.ReadableStream {
  setRawMode(mode: boolean): unknown;
}

export class PromptAborted extends Error {
  override readonly name = 'PromptAborted';
  constructor() {
    super('aborted at the prompt');
  }
}

const ENTER = new Set(['\r', '\n', '\u0004']);
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * Writes `prompt` to `output`, then reads one line from the terminal in raw mode without echoing
 * it: Enter (or Ctrl-D) ends the line, Backspace deletes a character, Ctrl-U the whole line, and
 * Ctrl-C rejects with PromptAborted. Escape sequences (arrow keys) are ignored.
 */
export function readHiddenLine(input: TerminalInput, output: NodeJS.WritableStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let line: string[] = [];
    const finish = (settle: () => void) => {
      input.removeListener('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      settle();
    };
    const onData = (chunk: string | Buffer) => {
      for (const char of String(chunk)) {
        if (ENTER.has(char)) return finish(() => resolve(line.join('')));
        if (char === '\u0003') return finish(() => reject(new PromptAborted()));
        if (char === '\u001b') return;
        if (BACKSPACE.has(char)) line.pop();
        else if (char === '\u0015') line = [];
        else if (char >= ' ') line.push(char);
      }
    };
    input.setRawMode(true);
    input.setEncoding('utf8');
    output.write(prompt);
    input.on('data', onData);
    input.resume();
  });
}
