-- Two-step verification: one TOTP credential per account (pending until a code confirms it) and its
-- single-use recovery codes, kept only as SHA-256 digests.
CREATE TABLE "totp_credentials" (
    "account_id" TEXT NOT NULL,
    "secret" JSONB NOT NULL,
    "confirmed_at" TIMESTAMP(3),
    "last_time_step" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "totp_credentials_pkey" PRIMARY KEY ("account_id"),
    CONSTRAINT "totp_credentials_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "recovery_codes" (
    "account_id" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "used_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recovery_codes_pkey" PRIMARY KEY ("account_id", "code_hash"),
    CONSTRAINT "recovery_codes_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
