import { DeadlineReached } from './bounded-retries.ts';

// eslint-disable-next-line no-control-regex -- control characters are what is removed
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F]+/g;

/**
 * One line saying why a send failed, for the log and the audit trail: nodemailer's error code,
 * the SMTP reply code and the message (server replies, never the mail or its links).
 */
export function failureReason(error: unknown): string {
  if (error instanceof DeadlineReached) {
    return error.lastFailure === undefined
      ? `EDEADLINE: ${error.message}`
      : `EDEADLINE: ${error.message}; before that ${failureReason(error.lastFailure)}`;
  }
  const { code, responseCode, message } = (error ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const codes = [typeof code === 'string' ? code : undefined, typeof responseCode === 'number' ? String(responseCode) : undefined].filter(
    Boolean,
  );
  const text = typeof message === 'string' ? message : String(error);
  return `${codes.length > 0 ? `${codes.join(' ')}: ` : ''}${text}`.replace(CONTROL_CHARACTERS, ' ').trim().slice(0, 300);
}

/** Nodemailer's error code alone (ETIMEDOUT, EENVELOPE, EAUTH, ...), to filter logs on. */
export const failureCode = (error: unknown): string | undefined => {
  const { code } = (error ?? {}) as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
};
