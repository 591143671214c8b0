-- A first round's check of its source's rotation, made in the transaction's COMMIT round trip
-- (src/store/postgres/lead-store.ts, writeRound). Hand-written (drizzle-kit does not model functions).
--
-- The check is a compare-and-set on lead_sources that may find the rotation moved; the transaction must
-- then not commit. A simple query's statements stop at the first error, so the check raises: the COMMIT
-- after it never runs, the transaction is rolled back, and the store runs it again (pg-store.ts,
-- retryReason), checking at once that time. SQLSTATE LR001 is leadrace's own (class LR), so that no other
-- error is taken for it. VOLATILE: the planner must not evaluate the call ahead of the CASE around it.
CREATE FUNCTION leadrace_rotation_moved(source_id integer) RETURNS integer
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  RAISE EXCEPTION 'lead source %''s rotation moved before this transaction''s commit', source_id
    USING ERRCODE = 'LR001';
END $$;
