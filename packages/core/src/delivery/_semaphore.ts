/** Bounds how many tasks run at once; waiters are served first come, first served. */
export function createSemaphore(limit: number) {
  let active = 0
  // A queue read from `head`: dequeuing is O(1) (shift() moved every waiter behind it).
  let waiting: Array<(() => void) | undefined> = []
  let head = 0
  return {
    /**
     * Takes a slot now when one is free, without a promise. No waiter can be passed over: a
     * slot freed while some wait goes to the first of them, so a free slot means none waits.
     */
    tryAcquire(): boolean {
      if (active >= limit) return false
      active++
      return true
    },
    async acquire(): Promise<void> {
      if (active < limit) {
        active++
        return
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    },
    release(): void {
      if (head === waiting.length) {
        active--
        return
      }
      const next = waiting[head]!
      waiting[head++] = undefined
      if (head === waiting.length) {
        waiting = []
        head = 0
      } else if (head >= 1024 && head * 2 >= waiting.length) {
        waiting = waiting.slice(head)
        head = 0
      }
      next()
    },
  }
}
