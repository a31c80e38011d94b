/**
 * Writes a group of calls at once and says, per call, whether it was kept (undefined) or
 * why it was not. Throwing fails every call of the group.
 */
export type GroupWriter<T> = (calls: readonly T[]) => Array<Error | undefined>

export interface GroupCommit<T> {
  /** Resolves once `call` is committed with its group; rejects with the reason it was not. */
  submit(call: T): Promise<void>
  /** Resolves once the pending group, if any, has been written. */
  drain(): Promise<void>
}

interface Waiter<T> {
  call: T
  resolve: () => void
  reject: (error: Error) => void
}

/**
 * Group commit: calls submitted in the same event-loop turn are written together, in one
 * transaction, by a callback scheduled with setImmediate, so all requests whose bodies
 * arrived in one I/O poll share one fsync. While that write blocks the loop, new requests
 * queue in the kernel and form the next group.
 */
export function createGroupCommit<T>(write: GroupWriter<T>): GroupCommit<T> {
  let waiters: Waiter<T>[] = []
  let scheduled: Promise<void> | undefined

  function flush(): void {
    const group = waiters
    waiters = []
    scheduled = undefined
    let outcomes: Array<Error | undefined>
    try {
      outcomes = write(group.map((waiter) => waiter.call))
    } catch (error) {
      for (const waiter of group) waiter.reject(error as Error)
      return
    }
    group.forEach((waiter, i) => {
      const error = outcomes[i]
      if (error) waiter.reject(error)
      else waiter.resolve()
    })
  }

  return {
    submit(call) {
      const done = new Promise<void>((resolve, reject) => waiters.push({ call, resolve, reject }))
      scheduled ??= new Promise<void>((resolve) =>
        setImmediate(() => {
          flush()
          resolve()
        }),
      )
      return done
    },
    drain: () => scheduled ?? Promise.resolve(),
  }
}
