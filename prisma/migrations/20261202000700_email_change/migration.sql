-- An email-change link carries the address it confirms.
ALTER TABLE "account_tokens" ADD COLUMN "new_email" TEXT;
