import { checkpointSaver } from './_checkpoint-saver.ts'

/**
 * A batch of a sync: events, and the state to checkpoint once they (and every batch before
 * them) are durably accepted. A batch without `state` moves no checkpoint. A source must not
 * change a batch, its events or its state once it has yielded it: the host accepts and saves
 * it while the source reads on (see {@link runSync}).
 */
export interface SyncBatch {
  events: unknown[]
  /** The connector's whole state after these events (JSON; never undefined when present). */
  state?: unknown
  /** The extractor output lines these events came from, for messages: [first, last]. */
  lines?: readonly [number, number]
  /** Each event's output line, in the events' order: a host names the line of an event it refuses. */
  eventLines?: readonly number[]
}

/** What a source's `sync` gets besides its config. */
export interface SyncContext {
  /** The last checkpointed state, or undefined for a first (full) sync. */
  state: unknown
  /**
   * Lines to read instead of running the extractor (`tap | patchbay run --source x --input -`).
   */
  input?: AsyncIterable<string>
  /** Names the input in messages (`stdin`, a file). */
  origin?: string
  /** Aborting stops the extractor (SIGKILL) and ends the sync with an error. */
  signal?: AbortSignal
  /** The pipeline file's folder: relative commands and files in the config are resolved from it. */
  baseDir?: string
}

/** Where a host keeps each source's state. `save` resolves once the state is durable. */
export interface StateStore {
  load(sourceId: string): Promise<unknown>
  save(sourceId: string, state: unknown): Promise<void>
}

export interface RunSyncOptions {
  state: StateStore
  /**
   * Makes a batch's events durable (a store append, or delivery). Resolve `true` once they
   * are; `false` when some were not (failed delivery): that batch's state and every later
   * one are then never saved, so the next sync starts again from the last safe point.
   */
  accept(events: unknown[], batch: SyncBatch): Promise<boolean>
  input?: AsyncIterable<string>
  origin?: string
  signal?: AbortSignal
  /** Called after each checkpoint is saved. */
  onCheckpoint?(state: unknown): void
}

export interface SyncReport {
  events: number
  batches: number
  checkpoints: number
  /** True when a batch was not accepted, so no state after it was saved. */
  checkpointHeld: boolean
}

/** A source that can sync: what {@link runSync} needs of a prepared source. */
export interface SyncingSource {
  readonly id: string
  readonly sync?: (ctx: SyncContext) => AsyncIterable<SyncBatch>
}

/** The batch being accepted, and the state a state-only batch read after it brought. */
interface InFlight {
  accepted: Promise<boolean>
  state: unknown
  /** The latest state read alone while this batch was accepted: saved right after its own. */
  after: unknown
}

/**
 * Runs one sync of a source: reads the last state, hands it to the source, makes each batch
 * durable through `accept`, and saves a batch's state only after `accept` resolved `true`
 * for it and for every batch before it. An error of the source, of `accept` or of a save
 * ends the sync (rethrown) with nothing saved past the last accepted batch.
 *
 * Three things overlap, so that none waits on another's disk: the source reads and maps
 * batch N+1 while batch N is accepted (a store's fsync, a delivery's round trip), and the
 * state of batch N-1 is saved while batch N is accepted. `accept` runs one batch at a time,
 * in the source's order; saves run one at a time, in order, and a save waiting for its turn
 * is replaced by a newer state (each is the whole state, so the checkpoint only moves
 * further): a slow state store costs checkpoints, never throughput. A state that comes with
 * no events (a tap's STATE right after a full batch) is saved once the batch before it is
 * accepted, without holding up the reading. An `accept` that fails is reported once the
 * next batch with events is read (or the source ends); nothing after it is accepted or saved.
 *
 * @example
 * await runSync(source, { state: openFileStateStore('./state'), accept: async (events) => (await store.append(events), true) })
 */
export async function runSync(source: SyncingSource, options: RunSyncOptions): Promise<SyncReport> {
  if (!source.sync) throw new TypeError(`source "${source.id}" has no sync: its plugin reads requests only`)
  const state = await options.state.load(source.id)
  const report: SyncReport = { events: 0, batches: 0, checkpoints: 0, checkpointHeld: false }
  const saver = checkpointSaver(
    (value) => options.state.save(source.id, value),
    (value) => {
      report.checkpoints++
      options.onCheckpoint?.(value)
    },
  )
  const offer = (value: unknown) => {
    if (value !== undefined && !report.checkpointHeld) saver.offer(value)
  }
  // Waits for the batch in flight; once it is accepted, its state (and the one after it) may be saved.
  const settle = async (batch: InFlight) => {
    if (!(await batch.accepted)) report.checkpointHeld = true
    offer(batch.state)
    offer(batch.after)
  }
  let inFlight: InFlight | undefined
  try {
    for await (const batch of source.sync({
      state,
      ...(options.input ? { input: options.input } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      const failed = saver.failure()
      if (failed) throw failed.error
      report.batches++
      report.events += batch.events.length
      if (batch.events.length === 0) {
        // A state alone: saved after the batch in flight is accepted, or now if none is.
        if (inFlight) inFlight.after = batch.state ?? inFlight.after
        else offer(batch.state)
        continue
      }
      if (inFlight) await settle(inFlight)
      inFlight = { accepted: options.accept(batch.events, batch), state: batch.state, after: undefined }
      // Awaited on the next batch or below; until then its failure is not "unhandled".
      inFlight.accepted.catch(() => {})
    }
  } catch (error) {
    // The source (or an accept, rethrown by the await above) failed. A batch still in flight
    // is checkpointed if it is accepted; if it fails, that failure came first and wins.
    try {
      if (inFlight) await settle(inFlight)
    } finally {
      // The saves of what was accepted end before the sync does (their own failure aside).
      await saver.idle().catch(() => {})
    }
    throw error
  }
  if (inFlight) await settle(inFlight)
  await saver.idle()
  return report
}
