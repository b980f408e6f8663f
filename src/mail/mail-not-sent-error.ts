import { AppError } from '../errors/app-error.ts';
import { MAIL_NOT_SENT_MESSAGE } from './strings.ts';

/** A mail that could not be handed to the SMTP server in time: the person may try again (503). */
export class MailNotSentError extends AppError {
  override name = 'MailNotSentError';

  constructor(cause: unknown) {
    super('unavailable', MAIL_NOT_SENT_MESSAGE, { expose: true, cause });
  }
}
