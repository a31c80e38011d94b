/**
 * Saves a sync's checkpoints one at a time, in the order they are offered, and only the
 * latest: a state offered while a save is running replaces any state still waiting for its
 * turn (each is the connector's whole state, so the newer one holds everything the older
 * one would). The first failed save fails the saver: later offers are dropped, and
 * `failure()` and `idle()` report it.
 */
export interface CheckpointSaver {
  /** Saves `state` after the save running now, unless a newer state comes first. */
  offer(state: unknown): void
  /** The error of a save that failed, if one did. */
  failure(): { error: unknown } | undefined
  /** Resolves once every offered state is saved (or skipped for a newer one); rejects with the save's error. */
  idle(): Promise<void>
}

export function checkpointSaver(
  save: (state: unknown) => Promise<void>,
  saved: (state: unknown) => void,
): CheckpointSaver {
  let waiting: { state: unknown } | undefined
  let running: Promise<void> | undefined
  let failed: { error: unknown } | undefined
  const drain = async () => {
    try {
      while (waiting !== undefined) {
        const { state } = waiting
        waiting = undefined
        await save(state)
        saved(state)
      }
    } catch (error) {
      failed = { error }
      waiting = undefined
    } finally {
      // In the same synchronous step as the last check of `waiting`: an offer made after
      // this point starts a new drain, and none made before it is left behind.
      running = undefined
    }
  }
  return {
    offer(state) {
      if (failed) return
      waiting = { state }
      // Started on the next microtask, so `running` is set before the drain can clear it.
      running ??= Promise.resolve().then(drain)
    },
    failure: () => failed,
    async idle() {
      while (running) await running
      if (failed) throw failed.error
    },
  }
}
