/**
 * Migration 3: the two transactions of the hot path as PL/pgSQL functions, so each is one
 * statement (its own transaction) and one round trip, instead of BEGIN, the statements and
 * COMMIT, each waiting for the last.
 *
 * - `complete_jobs(ids)`: the jobs go, then the processed events no job references any more.
 *   The events are locked first (in seq order), and the delete that follows is a statement of
 *   its own: a VOLATILE function's statements each take a new snapshot under READ COMMITTED,
 *   so it sees a job that another node removed (and committed) while this one waited for the
 *   event's lock, exactly as the two statements of the former transaction did. Returns the
 *   number of jobs removed.
 * - `commit_processed(...)`: marks the events that got jobs processed, deletes those that got
 *   none and queues the jobs (in the order given); raises `PB001` when some events were not
 *   pending, which rolls the whole statement back.
 */
export const SETTLE_FUNCTIONS = `
  CREATE FUNCTION patchbay.complete_jobs(ids bigint[]) RETURNS integer
  LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    removed integer;
    seqs bigint[];
  BEGIN
    WITH gone AS (DELETE FROM patchbay.jobs WHERE id = ANY(ids) RETURNING event_seq),
    locked AS (
      SELECT e.seq FROM patchbay.events e WHERE e.seq IN (SELECT event_seq FROM gone)
      ORDER BY e.seq FOR UPDATE
    )
    SELECT (SELECT count(*) FROM gone)::int, (SELECT array_agg(seq) FROM locked) INTO removed, seqs;
    IF seqs IS NOT NULL THEN
      DELETE FROM patchbay.events e WHERE e.seq = ANY(seqs) AND e.processed
        AND NOT EXISTS (SELECT 1 FROM patchbay.jobs j WHERE j.event_seq = e.seq);
    END IF;
    RETURN removed;
  END
  $$;

  CREATE FUNCTION patchbay.commit_processed(keep bigint[], dropped bigint[], destinations text[],
    order_keys text[], message_ids text[], event_seqs bigint[], payloads text[], at bigint) RETURNS integer
  LANGUAGE plpgsql VOLATILE AS $$
  DECLARE
    expected integer := cardinality(keep) + cardinality(dropped);
    settled integer;
    queued integer;
  BEGIN
    WITH marked AS (
      UPDATE patchbay.events SET processed = true WHERE NOT processed AND seq = ANY(keep) RETURNING seq
    ), removed AS (
      DELETE FROM patchbay.events WHERE NOT processed AND seq = ANY(dropped) RETURNING seq
    ), inserted AS (
      INSERT INTO patchbay.jobs (destination_id, order_key, message_id, event_seq, payload, state, next_at, created_at)
      SELECT d, k, m, s, p, 'waiting', at, at
      FROM unnest(destinations, order_keys, message_ids, event_seqs, payloads) WITH ORDINALITY AS t(d, k, m, s, p, n)
      ORDER BY n
      RETURNING 1
    )
    SELECT ((SELECT count(*) FROM marked) + (SELECT count(*) FROM removed))::int, (SELECT count(*) FROM inserted)::int
    INTO settled, queued;
    IF settled <> expected THEN
      RAISE EXCEPTION 'commitProcessed: % of the % events are not pending (processed already?); nothing was committed',
        expected - settled, expected USING ERRCODE = 'PB001';
    END IF;
    RETURN queued;
  END
  $$;
`
