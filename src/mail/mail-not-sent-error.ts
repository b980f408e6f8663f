import { AppError } from '../errors/app-error.ts';
import { MAIL_NOT_SENT_MESSAGE } from './strings.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

/** A mail that could not be handed to the SMTP server in time: the person may try again (503). */
export class MailNotSentError extends AppError {
  override name = 'MailNotSentError';
  /** What a page says (views/strings); `message` is the same in English, for logs and JSON. */
  readonly words: PageText = pageText('common.mail_not_sent');

  constructor(cause: unknown) {
    super('unavailable', MAIL_NOT_SENT_MESSAGE, { expose: true, cause });
  }
}
