/** Every mail Portcullis sends: `views/mail/<name>.{text,html}.eta`, its words under `mail.<name_with_underscores>.*` in the page strings. */
export const MAIL_TEMPLATES = [
  'verify-email',
  'signup-existing-account',
  'password-reset',
  'password-changed',
  'email-change',
  'email-changed',
] as const;

export type MailTemplate = (typeof MAIL_TEMPLATES)[number];
