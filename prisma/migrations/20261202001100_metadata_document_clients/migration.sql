-- Clients identified by a client ID metadata document: when each was first and last used, and an admin's block.
CREATE TABLE "metadata_document_clients" (
    "client_id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "client_name" TEXT,
    "redirect_uris" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "first_used_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),
    "blocked_at" TIMESTAMP(3),
    "blocked_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "metadata_document_clients_pkey" PRIMARY KEY ("client_id")
);
CREATE INDEX "metadata_document_clients_created_at_client_id_idx" ON "metadata_document_clients"("created_at", "client_id");
