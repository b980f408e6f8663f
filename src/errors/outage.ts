const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'P1001',
  'P1002',
  'P1017',
  '57P01',
  '57P03',
]);
const OUTAGE_NAMES = new Set(['PrismaClientInitializationError', 'MaxRetriesPerRequestError', 'DriverAdapterError']);
const OUTAGE_MESSAGES = /connection is closed|connection terminated|stream isn't writeable|ECONNREFUSED|Can't reach database server/i;

/** True when a failure comes from a lost database or Redis: the answer is 503 "try again", not a bug. */
export function isDependencyOutage(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && OUTAGE_CODES.has(code)) return true;
    if (typeof name === 'string' && OUTAGE_NAMES.has(name)) return true;
    if (typeof message === 'string' && OUTAGE_MESSAGES.test(message)) return true;
  }
  return false;
}
