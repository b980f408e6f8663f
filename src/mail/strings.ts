import type { MailTemplate } from './mailer.ts';

/** The subject of each mail (English); the body is in `views/mail/<template>.{text,html}.eta`. */
export const SUBJECTS: Readonly<Record<MailTemplate, (productName: string) => string>> = {
  'verify-email': (product) => `Confirm your email address for ${product}`,
  'signup-existing-account': (product) => `Someone tried to create a ${product} account with your email address`,
  'password-reset': (product) => `Reset your ${product} password`,
  'password-changed': (product) => `Your ${product} password was changed`,
  'email-change': (product) => `Confirm your new email address for ${product}`,
  'email-changed': (product) => `The email address of your ${product} account was changed`,
};

export const MAIL_NOT_SENT_MESSAGE = 'We could not send the email just now. Please try again in a few minutes.';
