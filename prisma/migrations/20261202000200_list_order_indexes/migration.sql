-- Admin lists page through accounts, clients and resources in (created_at, key) order by keyset
-- cursor: an index in that order serves every page without a sort.
CREATE INDEX "accounts_created_at_id_idx" ON "accounts"("created_at", "id");
CREATE INDEX "clients_created_at_client_id_idx" ON "clients"("created_at", "client_id");
CREATE INDEX "resources_created_at_identifier_idx" ON "resources"("created_at", "identifier");
