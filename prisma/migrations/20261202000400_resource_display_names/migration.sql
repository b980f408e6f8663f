-- Registered APIs get words for people: a display name and a description per scope (consent page).
ALTER TABLE "resources" ADD COLUMN "name" TEXT;
ALTER TABLE "resources" ADD COLUMN "scope_descriptions" JSONB NOT NULL DEFAULT '{}';
