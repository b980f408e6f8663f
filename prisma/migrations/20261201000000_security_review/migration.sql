-- Client secrets are kept only as a SHA-256 hash (hex), computed here exactly as the server does.
ALTER TABLE "clients" ADD COLUMN "secret_hash" TEXT;
UPDATE "clients"
   SET "secret_hash" = encode(sha256(convert_to("metadata"->>'client_secret', 'UTF8')), 'hex'),
       "metadata" = "metadata" - 'client_secret'
 WHERE "metadata" ? 'client_secret';

-- Sessions and tokens of an account issued before this instant are dead.
ALTER TABLE "accounts" ADD COLUMN "sessions_revoked_at" TIMESTAMP(3);
