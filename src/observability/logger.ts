import { pino, type Logger } from 'pino';
import { logFormat, prettyStream } from './log-format.ts';

export type { Logger };

/** Paths that can carry a credential; pino replaces them wherever they appear in a log object. */
const REDACTED_PATHS = [
  'password',
  '*.password',
  'client_secret',
  '*.client_secret',
  'clientSecret',
  '*.clientSecret',
  'token',
  '*.token',
  'code',
  '*.code',
  'refresh_token',
  '*.refresh_token',
  'access_token',
  '*.access_token',
  'id_token',
  '*.id_token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'cookie',
  '*.cookie',
];

/**
 * A logger writing JSON lines to `destination` (standard output by default). Written to standard
 * output or standard error, the lines are readable text instead when logFormat() says so.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'portcullis' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const standard = [process.stdout, process.stderr].find((stream) => stream === (destination ?? process.stdout));
  if (standard && logFormat(process.env, standard) === 'pretty') return pino(options, prettyStream(standard));
  return pino(options, destination);
}
