import { createRequire } from 'node:module';
import type { DestinationStream } from 'pino';

export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT when set; otherwise readable lines for a person at a terminal in development, and
 * JSON lines everywhere else (files, pipes, log collectors, production).
 */
export function logFormat(env: NodeJS.ProcessEnv, output: { isTTY?: boolean }): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return env.NODE_ENV !== 'production' && output.isTTY === true ? 'pretty' : 'json';
}

type PinoPretty = (options: Record<string, unknown>) => DestinationStream;

/** pino-pretty writing to `output`: one line per entry (time, level, [component] message, then the other fields). */
export function prettyStream(output: NodeJS.WriteStream): DestinationStream {
  // Loaded only when asked for, so JSON-logging processes never carry it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as PinoPretty;
  return pretty({
    destination: output,
    sync: true,
    colorize: output.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,component',
    messageFormat: '{if component}[{component}] {end}{msg}',
  });
}
