import type { Isolate } from 'isolated-vm'
import type { Instance } from './_instance.ts'
import type { Ivm } from './_ivm.ts'

/** One warm isolate and the contexts (one per transform) it holds. */
export interface Slot {
  readonly index: number
  /** Created on first use, and again after the isolate was retired. */
  isolate: Isolate | undefined
  /** Transform id → its context in this isolate. */
  instances: Map<number, Instance>
  busy: boolean
}

/**
 * A small pool of isolates shared by every transform of a sandbox. A batch holds an isolate
 * exclusively from start to finish (awaited fetches included), so limits, memory and
 * timeouts are always attributed to the batch that caused them. An isolate that ran out of
 * memory or time is retired: disposed at once, and replaced lazily by a fresh one.
 */
export class IsolatePool {
  readonly #ivm: Ivm
  readonly #memoryLimitMb: number
  readonly #slots: Slot[] = []
  readonly #size: number
  readonly #waiting: Array<{
    transform: number
    resolve: (slot: Slot) => void
    reject: (error: Error) => void
  }> = []
  #disposed = false
  #isolatesCreated = 0

  constructor(ivm: Ivm, memoryLimitMb: number, size: number) {
    this.#ivm = ivm
    this.#memoryLimitMb = memoryLimitMb
    this.#size = size
  }

  /** Waits for a free isolate, preferring one that already holds this transform's context. */
  acquire(transform: number): Promise<Slot> {
    if (this.#disposed) return Promise.reject(new Error('the sandbox was disposed'))
    const slot = this.#pick(transform)
    if (slot) return Promise.resolve(slot)
    return new Promise((resolve, reject) => this.#waiting.push({ transform, resolve, reject }))
  }

  #pick(transform: number): Slot | undefined {
    let free: Slot | undefined
    for (const slot of this.#slots) {
      if (slot.busy) continue
      if (slot.instances.has(transform)) return this.#take(slot)
      free ??= slot
    }
    if (free) return this.#take(free)
    if (this.#slots.length < this.#size) {
      const slot: Slot = { index: this.#slots.length, isolate: undefined, instances: new Map(), busy: false }
      this.#slots.push(slot)
      return this.#take(slot)
    }
    return undefined
  }

  #take(slot: Slot): Slot {
    slot.busy = true
    if (!slot.isolate || slot.isolate.isDisposed) this.#fresh(slot)
    return slot
  }

  #fresh(slot: Slot): void {
    slot.instances.clear()
    slot.isolate = new this.#ivm.Isolate({
      memoryLimit: this.#memoryLimitMb,
      onCatastrophicError: (message) => {
        // V8 lost control of this isolate; it is never used again.
        process.emitWarning(`isolated-vm catastrophic error in sandbox isolate ${slot.index}: ${message}`)
        this.retire(slot)
      },
    })
    this.#isolatesCreated++
  }

  release(slot: Slot): void {
    slot.busy = false
    if (this.#disposed) {
      this.retire(slot)
      return
    }
    const next = this.#waiting.findIndex((w) => slot.instances.has(w.transform))
    const waiter = this.#waiting.splice(next === -1 ? 0 : next, 1)[0]
    if (waiter) waiter.resolve(this.#take(slot))
  }

  /** Disposes the slot's isolate now (after an out-of-memory or a timeout); the next use gets a new one. */
  retire(slot: Slot): void {
    for (const instance of slot.instances.values()) instance.dead = true
    slot.instances.clear()
    const isolate = slot.isolate
    slot.isolate = undefined
    if (isolate && !isolate.isDisposed) {
      try {
        isolate.dispose()
      } catch {
        // already going away
      }
    }
  }

  /** Releases a transform's contexts in every isolate. */
  forget(transform: number): void {
    for (const slot of this.#slots) {
      const instance = slot.instances.get(transform)
      if (!instance) continue
      slot.instances.delete(transform)
      instance.release()
    }
  }

  stats(): { isolates: number; busy: number; isolatesCreated: number } {
    return {
      isolates: this.#slots.filter((s) => s.isolate && !s.isolate.isDisposed).length,
      busy: this.#slots.filter((s) => s.busy).length,
      isolatesCreated: this.#isolatesCreated,
    }
  }

  /** Total heap in use across live isolates, in bytes (for soak checks). */
  heapUsed(): number {
    let total = 0
    for (const slot of this.#slots) {
      if (!slot.isolate || slot.isolate.isDisposed) continue
      const h = slot.isolate.getHeapStatisticsSync()
      total += h.used_heap_size + h.externally_allocated_size
    }
    return total
  }

  dispose(): void {
    this.#disposed = true
    for (const w of this.#waiting.splice(0)) w.reject(new Error('the sandbox was disposed'))
    for (const slot of this.#slots) if (!slot.busy) this.retire(slot)
  }
}
