-- What a flush barrier writes so that its commit waits for the WAL flush (src/store/postgres/flush-barrier.ts):
-- the deferred transactions before it commit without waiting. PostgreSQL only; at most 64 rows.
CREATE TABLE "flush_marks" (
	"slot" integer PRIMARY KEY NOT NULL,
	"marks" bigint NOT NULL
);
