export const MAIL_NOT_SENT_MESSAGE = 'We could not send the email just now. Please try again in a few minutes.';
