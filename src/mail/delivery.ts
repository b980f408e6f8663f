import type { SendMailOptions } from 'nodemailer';
import type { MailTemplate } from './mailer.ts';

/** A rendered mail, ready to hand over. */
export interface ComposedMail {
  readonly template: MailTemplate;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Where mail goes: an SMTP server, or the development outbox. */
export interface Delivery {
  /** One attempt; `signal` aborts when the send's deadline is reached. */
  deliver(mail: ComposedMail, signal: AbortSignal): Promise<void>;
  /** Whether a failure would fail again the same way (not worth another attempt). */
  isPermanent(error: unknown): boolean;
  close(): Promise<void>;
}

/** The message as nodemailer composes it, the same for SMTP and the outbox. */
export const messageOptions = (mail: ComposedMail): SendMailOptions => ({
  from: mail.from,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  // RFC 3834: auto-responders and vacation replies leave automatic mail alone.
  headers: { 'Auto-Submitted': 'auto-generated' },
});
