-- Which clients may get a user's tokens for an API: those whose `audience` lists it, or any (MCP servers).
ALTER TABLE "resources" ADD COLUMN "user_access" TEXT NOT NULL DEFAULT 'listed-clients';
