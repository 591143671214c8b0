-- A first round written and committed in one round trip (src/store/postgres/lead-store.ts, writeRound,
-- RoundWrite.commit) that finds its source's rotation moved: the statement raises, so that the COMMIT
-- sent after it never runs and the transaction is rolled back, as with leadrace_rotation_moved(integer)
-- (0010). This one also says where the rotation is now, read under the source row's lock: the error's
-- DETAIL is that rotation as JSON ({"anchor": …, "credits": …}), and the transaction, run again, plans
-- its round from there instead of reading the rotation in one more round trip (pg-store.ts). Hand-written
-- (drizzle-kit does not model functions); SQLSTATE LR001 as in 0010.
CREATE FUNCTION leadrace_rotation_moved(source_id integer, rotation_now text) RETURNS integer
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  RAISE EXCEPTION 'lead source %''s rotation moved since this round was planned', source_id
    USING ERRCODE = 'LR001', DETAIL = rotation_now;
END $$;
