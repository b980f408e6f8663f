import type { Services } from '../services.ts';

export interface CliIo {
  readStdin(): Promise<string>;
  out(text: string): void;
  err(text: string): void;
}

/** A command's failure the user can act on: printed as one line, exit code 1 (2 for usage). */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface CommandContext {
  readonly args: string[];
  readonly io: CliIo;
  readonly json: boolean;
  /** True when the command runs inside the server (forwarded over the admin socket), false in a CLI process of its own. */
  readonly inServer: boolean;
  services(): Promise<Services>;
}

export interface Command {
  readonly usage: string;
  readonly summary: string;
  run(context: CommandContext): Promise<void>;
}

export type Noun = Record<string, Command>;

export const printJson = (io: CliIo, value: unknown): void => io.out(`${JSON.stringify(value, null, 2)}\n`);

/** Formats rows as aligned columns for human output. */
export function table(rows: ReadonlyArray<Record<string, string>>, columns: readonly string[]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return `${[line(columns.map((c) => c.toUpperCase())), ...rows.map((row) => line(columns.map((c) => row[c] ?? '')))].join('\n')}\n`;
}

/** Strips exactly one trailing newline (LF or CRLF), as `--password-stdin` promises. */
export const stripOneNewline = (text: string): string => text.replace(/\r?\n$/, '');
