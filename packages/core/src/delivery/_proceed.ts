/**
 * The caller's `proceed`, asked while holding a concurrency slot: one that throws gives the
 * slot back before its error goes to the caller (a bug there must not shrink the concurrency).
 */
export function asked(proceed: () => boolean, slot: { release(): void }): boolean {
  try {
    return proceed()
  } catch (error) {
    slot.release()
    throw error
  }
}
