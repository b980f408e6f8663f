-- Self-service accounts: who signed up on their own, and the single-use links mailed to them.
ALTER TABLE "accounts" ADD COLUMN "signed_up_at" TIMESTAMP(3);

CREATE TABLE "account_tokens" (
    "token_hash" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "consumed_at" TIMESTAMP(3),
    "interaction_uid" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_tokens_pkey" PRIMARY KEY ("token_hash"),
    CONSTRAINT "account_tokens_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "account_tokens_account_id_purpose_idx" ON "account_tokens"("account_id", "purpose");
CREATE INDEX "account_tokens_interaction_uid_idx" ON "account_tokens"("interaction_uid");
