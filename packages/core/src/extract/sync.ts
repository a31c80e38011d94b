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

/** States alone that may wait for an accept in flight before the source is held. */
const MAX_QUEUED_STATES = 64

/**
 * Runs one sync of a source: reads the last state, hands it to the source, makes each batch
 * durable through `accept`, and saves a batch's state only after `accept` resolved `true`
 * for it and for every batch before it. An error of the source or of `accept` ends the sync
 * (rethrown) with nothing saved past the last accepted batch.
 *
 * The source reads one batch ahead: while batch N is accepted and its state saved (a store's
 * fsync, a delivery's round trip), the source parses and maps batch N+1, and a batch that is
 * only a state (a tap's STATE right after a full batch) is queued to be saved in its turn
 * rather than holding up that reading. `accept` and `save` still run one at a time, in order,
 * so a destination sees the batches in the source's order and a checkpoint never passes a
 * batch that is not accepted. An `accept` that fails is reported once the next batch with
 * events is read (or the source ends); nothing after it is accepted or saved.
 *
 * @example
 * await runSync(source, { state: openFileStateStore('./state'), accept: async (events) => (await store.append(events), true) })
 */
export async function runSync(source: SyncingSource, options: RunSyncOptions): Promise<SyncReport> {
  if (!source.sync) throw new TypeError(`source "${source.id}" has no sync: its plugin reads requests only`)
  const state = await options.state.load(source.id)
  const report: SyncReport = { events: 0, batches: 0, checkpoints: 0, checkpointHeld: false }
  const settle = async (batch: SyncBatch, accepted: Promise<boolean>) => {
    if (!(await accepted)) report.checkpointHeld = true
    if (batch.state !== undefined && !report.checkpointHeld) {
      await options.state.save(source.id, batch.state)
      report.checkpoints++
      options.onCheckpoint?.(batch.state)
    }
  }
  // What is accepted and checkpointed while the source reads on: the last batch with events,
  // then the states read after it. Each settles after the one before it.
  let inFlight: Promise<void> | undefined
  let statesQueued = 0
  const then = (work: () => Promise<void>) => {
    const next = (inFlight ?? Promise.resolve()).then(work)
    // Awaited on the next batch or below; until then its failure is not "unhandled".
    next.catch(() => {})
    inFlight = next
  }
  try {
    for await (const batch of source.sync({
      state,
      ...(options.input ? { input: options.input } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      report.batches++
      report.events += batch.events.length
      if (batch.events.length === 0) {
        // A state alone (a tap's STATE right after a full batch): saved in its turn, after
        // what is in flight, without holding up the reading of the next batch. A tap that
        // sends nothing but states is held once MAX_QUEUED_STATES of them wait.
        if (statesQueued >= MAX_QUEUED_STATES && inFlight) await inFlight
        statesQueued++
        then(async () => {
          statesQueued--
          await settle(batch, Promise.resolve(true))
        })
        continue
      }
      if (inFlight) await inFlight
      inFlight = settle(batch, options.accept(batch.events, batch))
      inFlight.catch(() => {})
    }
  } catch (error) {
    // The source (or an accept, rethrown by the await above) failed. A batch still in flight
    // is checkpointed if it is accepted; if it fails, that failure came first and wins.
    if (inFlight) await inFlight
    throw error
  }
  if (inFlight) await inFlight
  return report
}
