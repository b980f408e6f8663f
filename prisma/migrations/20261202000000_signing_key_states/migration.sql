-- Signing keys get a lifecycle: 'current' signs, 'next' is published before it becomes current,
-- 'retired' stays published until "published_until" (when every token it signed has expired).
ALTER TABLE "signing_keys"
    ADD COLUMN "status" TEXT,
    ADD COLUMN "activated_at" TIMESTAMP(3),
    ADD COLUMN "retired_at" TIMESTAMP(3),
    ADD COLUMN "published_until" TIMESTAMP(3);

-- The newest key of each algorithm is the one that signed until now: it stays current.
UPDATE "signing_keys" AS k
   SET "status" = 'current', "activated_at" = k."created_at"
 WHERE k."kid" = (SELECT n."kid" FROM "signing_keys" AS n WHERE n."alg" = k."alg" ORDER BY n."created_at" DESC, n."kid" LIMIT 1);

-- Older ones (earlier versions never made any) may still have signed live tokens. SQL cannot read
-- the configured TTLs: keep them for a day (the longest lifetime a resource may give its tokens,
-- and longer than the default token TTLs), or a registered resource's longer lifetime.
UPDATE "signing_keys"
   SET "status" = 'retired',
       "activated_at" = "created_at",
       "retired_at" = timezone('UTC', now()),
       "published_until" = timezone('UTC', now())
           + make_interval(secs => GREATEST(86400, COALESCE((SELECT max("access_token_ttl") FROM "resources"), 0)) + 120)
 WHERE "status" IS NULL;

ALTER TABLE "signing_keys"
    ALTER COLUMN "status" SET NOT NULL,
    ADD CONSTRAINT "signing_keys_status_check" CHECK ("status" IN ('current', 'next', 'retired')),
    ADD CONSTRAINT "signing_keys_published_until_check" CHECK (("status" = 'retired') = ("published_until" IS NOT NULL));

-- One key signs per algorithm, and one waits to take over.
CREATE UNIQUE INDEX "signing_keys_one_current_per_alg" ON "signing_keys" ("alg") WHERE "status" = 'current';
CREATE UNIQUE INDEX "signing_keys_one_next_per_alg" ON "signing_keys" ("alg") WHERE "status" = 'next';
