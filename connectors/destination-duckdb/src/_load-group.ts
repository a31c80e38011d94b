/**
 * Group commit for a single-writer database. Loads run one at a time; the batches that
 * arrive while one runs wait together and go in as one load (one transaction, one commit)
 * when it is done. With the gateway's workers (4 claims in flight per destination), a
 * commit and its per-transaction costs are paid once per group, not once per claim.
 */

/** How one batch of a group came out: its results, or the error its callers get. */
export type BatchOutcome<R> = { ok: R[] } | { error: unknown }

/** One `deliverBatch` call waiting in a group. */
interface Waiting<E, R> {
  events: readonly E[]
  resolve(results: R[]): void
  reject(error: unknown): void
}

/** Batches not yet started: a batch that arrives before the group starts joins it. */
export interface LoadGroup<E, R> {
  batches: Array<Waiting<E, R>>
  events: number
}

/** What the groups of one connection share: the chain of its work, and the group still open. */
export interface GroupQueue<E, R> {
  /** Every piece of work on the connection, in order: loads and other statements (deletes). */
  queue: Promise<unknown>
  /** The group that has not started yet, open to batches that arrive meanwhile. */
  gathering: LoadGroup<E, R> | undefined
}

/**
 * Adds a batch to the open group (or opens one after the work already queued) and resolves
 * with the batch's own results. A group holds at most `maxEvents` events (a batch larger
 * than that goes alone); `load` gets the group's batches in the order they arrived and
 * returns one outcome per batch.
 */
export function joinGroup<E, R>(
  owner: GroupQueue<E, R>,
  events: readonly E[],
  maxEvents: number,
  load: (batches: ReadonlyArray<readonly E[]>) => Promise<Array<BatchOutcome<R>>>,
): Promise<R[]> {
  return new Promise<R[]>((resolve, reject) => {
    let group = owner.gathering
    if (group === undefined || (group.events > 0 && group.events + events.length > maxEvents)) {
      const opened: LoadGroup<E, R> = { batches: [], events: 0 }
      group = opened
      owner.gathering = opened
      const run = owner.queue.then(() => runGroup(owner, opened, load))
      owner.queue = run.catch(() => undefined)
    }
    group.batches.push({ events, resolve, reject })
    group.events += events.length
  })
}

/**
 * Closes the open group, so that work queued after this call (a deletion) runs after the
 * batches already waiting and before any batch that arrives later.
 */
export function closeGroup(owner: GroupQueue<unknown, unknown>): void {
  owner.gathering = undefined
}

async function runGroup<E, R>(
  owner: GroupQueue<E, R>,
  group: LoadGroup<E, R>,
  load: (batches: ReadonlyArray<readonly E[]>) => Promise<Array<BatchOutcome<R>>>,
): Promise<void> {
  if (owner.gathering === group) owner.gathering = undefined
  let outcomes: Array<BatchOutcome<R>>
  try {
    outcomes = await load(group.batches.map((b) => b.events))
  } catch (error) {
    outcomes = group.batches.map(() => ({ error }))
  }
  group.batches.forEach((batch, i) => {
    const outcome = outcomes[i] ?? { error: new Error('the load returned no outcome for this batch') }
    if ('ok' in outcome) batch.resolve(outcome.ok)
    else batch.reject(outcome.error)
  })
}
