import type { AuditLog } from '../audit/audit-log.ts';
import type { Logger } from '../observability/logger.ts';
import type { LanguageWishes } from '../pages/language.ts';
import { withBoundedRetries } from './bounded-retries.ts';
import type { Delivery } from './delivery.ts';
import { failureCode, failureReason } from './failure-reason.ts';
import { assertSendable, recipientDomain } from './mail-data.ts';
import { MailNotSentError } from './mail-not-sent-error.ts';
import { createMailRenderer } from './mail-renderer.ts';
import { createOutboxDelivery } from './outbox-delivery.ts';
import { createSmtpDelivery } from './smtp-delivery.ts';

export { MailNotSentError } from './mail-not-sent-error.ts';

import type { MailTemplate } from './templates.ts';

export type { MailTemplate } from './templates.ts';

export interface OutgoingMail {
  readonly to: string;
  readonly template: MailTemplate;
  /** Template data; every value whose key ends in `link` (e.g. `link`) must be an https?: URL on the issuer's origin. */
  readonly data: Readonly<Record<string, string>>;
  /** The languages of the person the mail answers (the page they were on); none: DEFAULT_LANGUAGE. */
  readonly wishes?: LanguageWishes | undefined;
}

export interface Mailer {
  /** Resolves once the message is accepted by the SMTP server (or written to the outbox); rejects with MailNotSentError after bounded retries. */
  send(mail: OutgoingMail): Promise<void>;
  close(): Promise<void>;
}

export interface MailerOptions {
  /** smtp:// or smtps:// with optional user:password@ ; undefined → outbox */
  readonly smtpUrl: string | undefined;
  /** e.g. 'Portcullis <no-reply@id.example.com>' */
  readonly from: string;
  /** Used when smtpUrl is undefined. */
  readonly outboxDir: string;
  /** Shown in every mail. */
  readonly productName: string;
  /** e.g. 'https://id.example.com' (origin + optional path); shown in every mail; links must be on its origin. */
  readonly issuer: string;
  readonly logger: Logger;
  readonly audit?: Pick<AuditLog, 'recordInBackground'> | undefined;
  /** Whole time one send may take, all attempts included (default 8000 ms). */
  readonly deadlineMs?: number;
  /** Attempts before giving up (default 3), with a short backoff between them. */
  readonly attempts?: number;
  /** Per-attempt SMTP connection/greeting/socket timeout (default 4000 ms; never beyond what is left of the deadline). */
  readonly attemptTimeoutMs?: number;
  /** Where templates live (default: the repository's views/mail/). */
  readonly viewsDir?: string;
  /** Mail templates that replace ours of the same name (VIEWS_OVERRIDE_DIR/mail). */
  readonly overrideDir?: string | undefined;
  /** The page strings' folders, ours first (views/strings, VIEWS_OVERRIDE_DIR/strings): mails use their `mail.*` keys. */
  readonly stringsDirs?: readonly string[] | undefined;
  /** DEFAULT_LANGUAGE: the language of a mail whose person's languages are unknown or not available. */
  readonly defaultLanguage?: string | undefined;
}

/**
 * The one way Portcullis sends mail. A mail is checked (one recipient, links on the issuer's
 * origin), rendered (text and HTML) and handed to SMTP, or written to the outbox when there is
 * no SMTP_URL. A failure is logged and audited as `mail.failed`, and the caller gets a
 * MailNotSentError (503, "try again") it can show.
 */
export function createMailer(options: MailerOptions): Mailer {
  const logger = options.logger.child({ component: 'mail' });
  const deadlineMs = options.deadlineMs ?? 8000;
  const attempts = Math.max(1, options.attempts ?? 3);
  const attemptTimeoutMs = Math.min(options.attemptTimeoutMs ?? 4000, deadlineMs);
  const renderer = createMailRenderer(options);
  const delivery: Delivery = options.smtpUrl
    ? createSmtpDelivery(options.smtpUrl, { attemptTimeoutMs, logger })
    : createOutboxDelivery(options.outboxDir, { logger });
  let closed = false;

  return {
    async send(mail) {
      assertSendable(mail, options.issuer);
      const composed = {
        template: mail.template,
        from: options.from,
        to: mail.to,
        ...(await renderer.render(mail.template, mail.data, mail.wishes)),
      };
      const about = { template: mail.template, recipientDomain: recipientDomain(mail.to) };
      const startedAt = Date.now();
      try {
        if (closed) throw new Error('the mailer is closed');
        await withBoundedRetries(
          (signal) => delivery.deliver(composed, signal),
          { deadlineMs, attempts },
          {
            isPermanent: (error) => delivery.isPermanent(error),
            onRetry: (error, attemptNumber) =>
              logger.info({ ...about, attempt: attemptNumber, reason: failureReason(error) }, 'mail attempt failed, trying again'),
          },
        );
      } catch (error) {
        const reason = failureReason(error);
        logger.warn({ ...about, reason, errorCode: failureCode(error), elapsedMs: Date.now() - startedAt }, 'mail not sent');
        options.audit?.recordInBackground({
          actor: 'system',
          action: 'mail.failed',
          target: mail.to,
          outcome: 'failure',
          detail: { template: mail.template, reason },
        });
        throw new MailNotSentError(error);
      }
    },
    async close() {
      closed = true;
      await delivery.close();
    },
  };
}
