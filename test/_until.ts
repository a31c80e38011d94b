/**
 * Polls `check` until it holds; after `ms`, fails with `why()` (what a process printed, or
 * what was awaited). For waiting on child processes, never for asserting on time.
 */
export async function until(check: () => boolean, why: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${why()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
