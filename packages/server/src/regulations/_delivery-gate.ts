/**
 * Deliveries in flight on this node, so that a new regulation can wait for the ones that
 * started before it: once `drain` resolves, every delivery running on this node checked
 * the suppression set after the regulation was in it.
 */
export interface DeliveryGate {
  /** Marks a delivery as started; call the returned function when it is settled. */
  enter(): () => void
  /** Resolves when every delivery started before the call has ended. */
  drain(): Promise<void>
}

export function createDeliveryGate(): DeliveryGate {
  const running = new Set<{ done: Promise<void> }>()
  return {
    enter() {
      let end!: () => void
      const entry = { done: new Promise<void>((r) => (end = r)) }
      running.add(entry)
      return () => {
        running.delete(entry)
        end()
      }
    },
    async drain() {
      await Promise.all([...running].map((e) => e.done))
    },
  }
}
