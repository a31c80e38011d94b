/** Bounds how many tasks run at once; waiters are served first come, first served. */
export function createSemaphore(limit: number) {
  let active = 0
  const waiting: Array<() => void> = []
  return {
    async acquire(): Promise<void> {
      if (active < limit) {
        active++
        return
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    },
    release(): void {
      const next = waiting.shift()
      if (next) next()
      else active--
    },
  }
}
