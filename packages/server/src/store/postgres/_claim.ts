import { JOB_COLUMNS } from './_rows.ts'

/**
 * The claim statements. Parameters: $1 destination, $2 now, $3 limit, $4 node, $5 lease (ms);
 * the ordered claim adds $6 its window (`windowOf`) and $7 its key cap (`keyCapOf`).
 *
 * Locks: every job taken is locked FOR UPDATE SKIP LOCKED and re-checked on the version it
 * locked (not in flight, due), then leased in the same statement, so two nodes claiming at
 * once never take the same job. Every check of the ordered claim reads the statement's one
 * snapshot: a job with an order key is taken only when no older job of its destination and
 * key exists there (waiting, retrying or in flight on any node) and its key is not blocked.
 */

/** How many of the oldest due jobs the ordered claim checks one by one before it looks elsewhere. */
export const windowOf = (limit: number) => 2 * limit

/**
 * How many keys the ordered claim reads when its window held too few heads (see `heads`):
 * at most as many key probes as a claim of `limit` jobs makes anyway, and wasted (5-6 µs a
 * key) only when the destination has more keys than that.
 */
export const keyCapOf = (limit: number) => limit

/** The due jobs of the destination, oldest first: the jobs_due index. */
const due = (alias: string) =>
  `${alias}.destination_id = $1 AND ${alias}.state <> 'in_flight' AND ${alias}.next_at <= $2`

/** No older job of the same key exists (an index probe of jobs_key). */
const noOlder = (alias: string) => `NOT EXISTS (SELECT 1 FROM patchbay.jobs p
      WHERE p.destination_id = $1 AND p.order_key = ${alias}.order_key AND p.id < ${alias}.id)`

/** Locks the job `c` names (by ctid: no index probe) unless another claim holds it or it changed. */
const lockOf = (c: string) => `LATERAL (SELECT j.id FROM patchbay.jobs j
      WHERE j.ctid = ${c}.ctid AND j.id = ${c}.id AND j.state <> 'in_flight' AND j.next_at <= $2
      FOR UPDATE SKIP LOCKED) l`

/**
 * The keys no ordered claim can take a job of now: a job of theirs is in flight (on any node)
 * or waits for a retry. A handful of rows, read from two partial indexes and hashed once, so
 * that the backlog of a blocked key costs a hash lookup per job instead of an index probe.
 * The upper bound on next_at only keeps a generic plan on the index: with a one-sided range
 * on a parameter the planner expects a third of the table and reads all of it.
 */
const blocked = `blocked AS MATERIALIZED (
    SELECT order_key FROM patchbay.jobs
    WHERE state = 'in_flight' AND destination_id = $1 AND order_key IS NOT NULL
    UNION
    SELECT order_key FROM patchbay.jobs
    WHERE destination_id = $1 AND state <> 'in_flight' AND next_at > $2 AND next_at <= ${Number.MAX_SAFE_INTEGER}
      AND order_key IS NOT NULL
  )`

/**
 * 1. `oldest`: the window, the oldest due jobs (twice the limit), each checked on its own: no
 *    key, or a key that is not blocked and has no older job (an index probe). `fast` locks
 *    its heads in that order until the limit: most claims end there, having read about
 *    `limit` jobs.
 *
 * 2. `more`: a window that was full and held fewer heads than the limit is the backlog of a
 *    few keys (a hot user): checking the jobs behind it one by one is what made a claim cost
 *    an index probe per queued job of that user. Rows skipped because another claim holds
 *    them count as heads: concurrent claims only make this claim smaller.
 *
 * 3. `heads`: the head of each key, one index probe per key (a skip scan of jobs_key: the
 *    next key after the last one, its lowest id), read lazily and stopped after the key cap.
 *    When the destination has no more keys than that, `by_key` takes the oldest due heads,
 *    with the due jobs without a key (jobs_unkeyed_due), merged oldest first: the cost is the
 *    number of keys, whatever the length of their backlogs.
 *
 * 4. `by_row`, when there are more keys: the due scan goes on past the window, and a job of a
 *    key seen in the window is checked against that key's head, probed once (`seen`), with a
 *    hash lookup. Keys first met there are probed per job, as before.
 *
 * `fast` has no ORDER BY: it reads `oldest` in the order that was written (a CTE scan returns
 * its rows in order, and an ORDER BY would sort the whole window before the first lock). The
 * later stages run only when `more` says so (`way`), all in the statement's snapshot.
 */
const orderedPicks = `${blocked}, oldest AS MATERIALIZED (
    SELECT d.ctid, d.id, d.order_key, d.order_key IS NULL
      OR (d.order_key NOT IN (SELECT order_key FROM blocked) AND ${noOlder('d')}) AS head
    FROM patchbay.jobs d WHERE ${due('d')}
    ORDER BY d.next_at, d.id LIMIT $6
  ), fast AS MATERIALIZED (
    SELECT l.id FROM oldest c, ${lockOf('c')}
    WHERE c.head LIMIT $3
  ), more AS MATERIALIZED (
    SELECT CASE WHEN (SELECT count(*) FROM fast) = $3 THEN 0
      WHEN (SELECT count(*) FROM oldest) < $6 THEN 0
      WHEN (SELECT count(*) FROM oldest WHERE head) >= $3 THEN 0
      ELSE $3 - (SELECT count(*) FROM fast) END AS n
  ), heads AS (
    (SELECT k.ctid, k.order_key, k.id, k.state, k.next_at FROM patchbay.jobs k
     WHERE k.destination_id = $1 AND k.order_key IS NOT NULL
     ORDER BY k.order_key, k.id LIMIT 1)
    UNION ALL
    SELECT n.* FROM heads h, LATERAL (
      SELECT k.ctid, k.order_key, k.id, k.state, k.next_at FROM patchbay.jobs k
      WHERE k.destination_id = $1 AND k.order_key > h.order_key
      ORDER BY k.order_key, k.id LIMIT 1) n
  ), few AS MATERIALIZED (
    SELECT * FROM heads LIMIT $7 + 1
  ), way AS MATERIALIZED (
    SELECT CASE WHEN (SELECT n FROM more) = 0 THEN 'done'
      WHEN (SELECT count(*) FROM few) <= $7 THEN 'keys' ELSE 'rows' END AS w
  ), by_key AS MATERIALIZED (
    SELECT l.id FROM (
        (SELECT ctid, id, next_at FROM few
         WHERE state <> 'in_flight' AND next_at <= $2 AND order_key NOT IN (SELECT order_key FROM blocked)
         ORDER BY next_at, id)
        UNION ALL
        (SELECT u.ctid, u.id, u.next_at FROM patchbay.jobs u WHERE ${due('u')} AND u.order_key IS NULL
         ORDER BY u.next_at, u.id LIMIT $6 + $3)
      ) c, ${lockOf('c')}
    WHERE (SELECT w FROM way) = 'keys' AND c.id NOT IN (SELECT id FROM oldest)
    ORDER BY c.next_at, c.id LIMIT (SELECT n FROM more)
  ), seen AS MATERIALIZED (
    SELECT s.order_key, (SELECT p.id FROM patchbay.jobs p
        WHERE p.destination_id = $1 AND p.order_key = s.order_key ORDER BY p.id LIMIT 1) AS head
    FROM (SELECT DISTINCT order_key FROM oldest WHERE order_key IS NOT NULL) s
    WHERE (SELECT w FROM way) = 'rows'
  ), by_row AS MATERIALIZED (
    SELECT j.id FROM patchbay.jobs j
    WHERE (SELECT w FROM way) = 'rows' AND ${due('j')} AND j.id NOT IN (SELECT id FROM oldest)
      AND (j.order_key IS NULL OR (j.order_key NOT IN (SELECT order_key FROM blocked)
        AND CASE WHEN j.order_key IN (SELECT order_key FROM seen) THEN j.id IN (SELECT head FROM seen)
          ELSE ${noOlder('j')} END))
    ORDER BY j.next_at, j.id LIMIT (SELECT n FROM more)
    FOR UPDATE SKIP LOCKED
  ), picked AS (
    SELECT id FROM fast UNION ALL SELECT id FROM by_key UNION ALL SELECT id FROM by_row
  )`

/** The ordered claim: picks (above), leases them to this node, returns them with their events, oldest first. */
export const claimOrderedSql = `
  WITH RECURSIVE ${orderedPicks}, claimed AS (
    UPDATE patchbay.jobs j SET state = 'in_flight', node = $4, lease_until = now() + $5 * interval '1 millisecond'
    WHERE j.id = ANY (ARRAY(SELECT id FROM picked))
    RETURNING j.*
  )
  SELECT ${JOB_COLUMNS} FROM claimed j LEFT JOIN patchbay.events e ON e.seq = j.event_seq
  ORDER BY j.next_at, j.id`

/** The unordered claim: the oldest due jobs, leased the same way. */
export const claimAnySql = `
  WITH picked AS (
    SELECT j.id FROM patchbay.jobs j
    WHERE j.destination_id = $1 AND j.state <> 'in_flight' AND j.next_at <= $2
    ORDER BY j.next_at, j.id LIMIT $3
    FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE patchbay.jobs j SET state = 'in_flight', node = $4, lease_until = now() + $5 * interval '1 millisecond'
    FROM picked WHERE j.id = picked.id
    RETURNING j.*
  )
  SELECT ${JOB_COLUMNS} FROM claimed j LEFT JOIN patchbay.events e ON e.seq = j.event_seq
  ORDER BY j.next_at, j.id`
