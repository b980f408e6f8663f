-- Client secret rotation with an overlap, and when each secret was last used.
ALTER TABLE "clients" ADD COLUMN "secret_last_used_at" TIMESTAMP(3);
ALTER TABLE "clients" ADD COLUMN "previous_secret_hash" TEXT;
ALTER TABLE "clients" ADD COLUMN "previous_secret_expires_at" TIMESTAMP(3);
ALTER TABLE "clients" ADD COLUMN "previous_secret_last_used_at" TIMESTAMP(3);
-- A rotation without an overlap (a leaked secret): tokens issued to the client before it are refused where Portcullis checks.
ALTER TABLE "clients" ADD COLUMN "credentials_revoked_at" TIMESTAMP(3);

-- The audit trail.
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "address" TEXT,
    "outcome" TEXT NOT NULL,
    "detail" JSONB,
    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");
CREATE INDEX "audit_events_action_id_idx" ON "audit_events"("action", "id");
