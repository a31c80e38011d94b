import { describe, expect, it } from 'vitest'
import { runSync, type StateStore, type SyncBatch } from '../../src/index.ts'

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const tick = () => new Promise((r) => setImmediate(r))

/** A state store that records what was saved, in order. */
function memoryStates() {
  const saved: unknown[] = []
  const store: StateStore = {
    load: async () => undefined,
    save: async (_id, state) => {
      saved.push(state)
    },
  }
  return { saved, store }
}

/** A source that yields the given batches and records how far it has been read. */
function sourceOf(batches: SyncBatch[], failAfter?: Error) {
  const read: number[] = []
  return {
    read,
    source: {
      id: 'crm',
      async *sync() {
        for (let i = 0; i < batches.length; i++) {
          read.push(i + 1)
          yield batches[i]!
        }
        if (failAfter) throw failAfter
      },
    },
  }
}

const batch = (n: number): SyncBatch => ({ events: [{ n }], state: { upTo: n } })

describe('runSync', () => {
  it('reads the next batch while the last one is accepted, and accepts one batch at a time, in order', async () => {
    const { saved, store } = memoryStates()
    const { read, source } = sourceOf([batch(1), batch(2), batch(3)])
    const gates = [deferred<boolean>(), deferred<boolean>(), deferred<boolean>()]
    const accepted: number[] = []
    let running = 0
    let most = 0
    const run = runSync(source, {
      state: store,
      accept: async (events) => {
        const n = (events[0] as { n: number }).n
        accepted.push(n)
        most = Math.max(most, ++running)
        try {
          return await gates[n - 1]!.promise
        } finally {
          running--
        }
      },
    })
    await tick()
    // Batch 1 is being accepted; the source has already read batch 2 meanwhile.
    expect(accepted).toEqual([1])
    expect(read).toEqual([1, 2])
    expect(saved).toEqual([])
    gates[0]!.resolve(true)
    await tick()
    // Batch 1's state is saved, batch 2 is being accepted, and batch 3 is read ahead.
    expect(saved).toEqual([{ upTo: 1 }])
    expect(accepted).toEqual([1, 2])
    expect(read).toEqual([1, 2, 3])
    gates[1]!.resolve(true)
    await tick()
    expect(saved).toEqual([{ upTo: 1 }, { upTo: 2 }])
    gates[2]!.resolve(true)
    expect(await run).toEqual({ events: 3, batches: 3, checkpoints: 3, checkpointHeld: false })
    expect(saved).toEqual([{ upTo: 1 }, { upTo: 2 }, { upTo: 3 }])
    expect(accepted).toEqual([1, 2, 3])
    expect(most).toBe(1)
  })

  it('accepts the next batch while the last state is saved, one save at a time, and skips a state a newer one replaced', async () => {
    const saves = [deferred<void>(), deferred<void>(), deferred<void>()]
    const started: unknown[] = []
    let saving = 0
    let most = 0
    const store: StateStore = {
      load: async () => undefined,
      save: async (_id, state) => {
        most = Math.max(most, ++saving)
        try {
          await saves[started.push(state) - 1]!.promise
        } finally {
          saving--
        }
      },
    }
    const { source } = sourceOf([batch(1), batch(2), batch(3), batch(4)])
    const accepted: number[] = []
    const checkpoints: unknown[] = []
    const run = runSync(source, {
      state: store,
      accept: async (events) => {
        accepted.push((events[0] as { n: number }).n)
        return true
      },
      onCheckpoint: (state) => checkpoints.push(state),
    })
    for (let i = 0; i < 5; i++) await tick()
    // Batch 1's state is being saved, and that holds up no accept: all four are accepted.
    // The states of 2, 3 and 4 came while it was saved: only the newest waits for its turn.
    expect(accepted).toEqual([1, 2, 3, 4])
    expect(started).toEqual([{ upTo: 1 }])
    saves[0]!.resolve()
    for (let i = 0; i < 5; i++) await tick()
    expect(started).toEqual([{ upTo: 1 }, { upTo: 4 }])
    expect(checkpoints).toEqual([{ upTo: 1 }])
    saves[1]!.resolve()
    expect(await run).toEqual({ events: 4, batches: 4, checkpoints: 2, checkpointHeld: false })
    expect(checkpoints).toEqual([{ upTo: 1 }, { upTo: 4 }])
    expect(most).toBe(1)
  })

  it('ends with the error of a save that fails, after which nothing is saved', async () => {
    const full = new Error('ENOSPC: no space left on device')
    const started: unknown[] = []
    const store: StateStore = {
      load: async () => undefined,
      save: async (_id, state) => {
        started.push(state)
        if (started.length === 2) throw full
      },
    }
    const { source } = sourceOf(Array.from({ length: 50 }, (_, i) => batch(i + 1)))
    await expect(runSync(source, { state: store, accept: async () => true })).rejects.toBe(full)
    const after = started.length
    for (let i = 0; i < 5; i++) await tick()
    expect(started).toHaveLength(after)
    expect(started).toHaveLength(2)
    expect(started[0]).toEqual({ upTo: 1 })
  })

  it('keeps reading past states that come alone while a batch is accepted, and saves the newest once it is', async () => {
    const { saved, store } = memoryStates()
    const alone = Array.from({ length: 100 }, (_, i): SyncBatch => ({ events: [], state: { idle: i } }))
    const { read, source } = sourceOf([batch(1), ...alone, batch(2)])
    const gate = deferred<boolean>()
    const accepted: number[] = []
    const run = runSync(source, {
      state: store,
      accept: async (events) => {
        accepted.push((events[0] as { n: number }).n)
        return accepted.length === 1 ? gate.promise : true
      },
    })
    for (let i = 0; i < 5; i++) await tick()
    // Every state is read (only the newest is kept), and batch 2 is read and waits its turn.
    expect(read).toHaveLength(102)
    expect(accepted).toEqual([1])
    expect(saved).toEqual([])
    gate.resolve(true)
    expect(await run).toMatchObject({ events: 2, batches: 102, checkpointHeld: false })
    // Batch 1's state was replaced by the newer one that came after it, before its save began.
    expect(saved).toEqual([{ idle: 99 }, { upTo: 2 }])
  })

  it('holds the checkpoint from the first batch that is not accepted', async () => {
    const { saved, store } = memoryStates()
    const { source } = sourceOf([batch(1), batch(2), batch(3)])
    const report = await runSync(source, {
      state: store,
      accept: async (events) => (events[0] as { n: number }).n !== 2,
    })
    expect(report).toEqual({ events: 3, batches: 3, checkpoints: 1, checkpointHeld: true })
    expect(saved).toEqual([{ upTo: 1 }])
  })

  it('ends with the error of an accept that fails, saves nothing past it, and accepts nothing after it', async () => {
    const { saved, store } = memoryStates()
    const { source } = sourceOf([batch(1), batch(2), batch(3)])
    const accepted: number[] = []
    const failure = new Error('store unavailable')
    await expect(
      runSync(source, {
        state: store,
        accept: async (events) => {
          const n = (events[0] as { n: number }).n
          accepted.push(n)
          if (n === 2) throw failure
          return true
        },
      }),
    ).rejects.toBe(failure)
    expect(saved).toEqual([{ upTo: 1 }])
    expect(accepted).toEqual([1, 2])
  })

  it("still checkpoints the batch in flight when the source fails, then rethrows the source's error", async () => {
    const { saved, store } = memoryStates()
    const crash = new Error('the extractor exited with 1')
    const { source } = sourceOf([batch(1), batch(2)], crash)
    const gate = deferred<boolean>()
    const run = runSync(source, {
      state: store,
      accept: async (events) => ((events[0] as { n: number }).n === 2 ? gate.promise : true),
    })
    let ended = false
    run.catch(() => {
      ended = true
    })
    await tick()
    // The source has failed already; the sync waits for the batch in flight to be accepted.
    expect(ended).toBe(false)
    gate.resolve(true)
    await expect(run).rejects.toBe(crash)
    expect(saved).toEqual([{ upTo: 1 }, { upTo: 2 }])
  })

  it('reports the failure of the batch in flight, not the later failure of the source', async () => {
    const { saved, store } = memoryStates()
    const { source } = sourceOf([batch(1)], new Error('the extractor exited with 1'))
    const failure = new Error('store unavailable')
    await expect(
      runSync(source, {
        state: store,
        accept: async () => {
          throw failure
        },
      }),
    ).rejects.toBe(failure)
    expect(saved).toEqual([])
  })

  it('saves a state that comes with no events after the batch before it is accepted, never before', async () => {
    const { saved, store } = memoryStates()
    const gate = deferred<boolean>()
    const { source } = sourceOf([batch(1), { events: [], state: { upTo: 'idle' } }])
    const run = runSync(source, { state: store, accept: () => gate.promise })
    await tick()
    expect(saved).toEqual([])
    gate.resolve(true)
    expect(await run).toMatchObject({ batches: 2, checkpoints: 1 })
    expect(saved).toEqual([{ upTo: 'idle' }])
  })

  it('saves a state that comes alone with nothing in flight at once', async () => {
    const { saved, store } = memoryStates()
    const { source } = sourceOf([{ events: [], state: { upTo: 'first' } }, batch(1)])
    expect(await runSync(source, { state: store, accept: async () => true })).toMatchObject({
      batches: 2,
      checkpoints: 2,
    })
    expect(saved).toEqual([{ upTo: 'first' }, { upTo: 1 }])
  })
})
