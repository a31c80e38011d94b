/** A wake-up call for an idle loop: `wait(ms)` resolves on `wake()` or after `ms`, whichever is first. */
export function createWakeup() {
  let waiters: Array<() => void> = []
  return {
    wake(): void {
      const current = waiters
      waiters = []
      for (const resolve of current) resolve()
    },
    wait(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms)
        function done() {
          clearTimeout(timer)
          waiters = waiters.filter((w) => w !== done)
          resolve()
        }
        waiters.push(done)
      })
    },
  }
}

export type Wakeup = ReturnType<typeof createWakeup>
