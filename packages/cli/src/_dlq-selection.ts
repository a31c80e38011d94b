import type { DeadLetterSelector, Store } from '@patchbay/server'
import { UsageError } from './_exit.ts'

/**
 * What `dlq replay` and `dlq purge` act on: every dead letter (`--all`, never implied), or
 * ids, a destination, or both (those ids, when they belong to that destination).
 */
export type Selection = { all: true } | { all: false; ids?: number[]; destinationId?: string }

/**
 * The selection the arguments make; a usage error when they make none, or a contradictory one.
 *
 * @example
 * parseSelection('replay', { ids: ['4', '7'] }) // { all: false, ids: [4, 7] }
 * parseSelection('purge', { ids: [] }) // throws: --all is never implied
 */
export function parseSelection(
  verb: 'replay' | 'purge',
  args: { ids: readonly string[]; destination?: string; all?: boolean },
): Selection {
  const { ids, destination, all } = args
  if (all) {
    if (ids.length > 0 || destination)
      throw new UsageError(`--all ${verb}s every dead letter: give it alone, without ids or --destination`)
    return { all: true }
  }
  if (ids.length === 0 && !destination)
    throw new UsageError(
      `dlq ${verb} needs dead letter ids, --destination ID, or --all for every dead letter (it is never implied)`,
    )
  return {
    all: false,
    ...(ids.length > 0 ? { ids: ids.map(parseId) } : {}),
    ...(destination ? { destinationId: destination } : {}),
  }
}

/**
 * A dead letter id as `dlq list` prints it: a positive whole number.
 *
 * @example
 * parseId('42') // 42; parseId('4.2') throws a usage error
 */
export function parseId(text: string): number {
  const id = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1)
    throw new UsageError(
      `"${text}" is not a dead letter id (ids are positive whole numbers, as dlq list shows)`,
    )
  return id
}

/** The dead letters a selection matches right now: per destination, and the given ids that match none. */
export interface Matched {
  total: number
  perDestination: Record<string, number>
  missingIds: number[]
}

/**
 * Looks up what `selection` matches without changing anything (ids one by one, counts from memory).
 *
 * @example
 * match(store, { all: false, ids: [1, 9] }) // { total: 1, perDestination: { crm: 1 }, missingIds: [9] }
 */
export function match(store: Store, selection: Selection): Matched {
  let perDestination: Record<string, number>
  const missingIds: number[] = []
  if (selection.all) perDestination = store.stats().deadLetters
  else if (!selection.ids) {
    const { destinationId = '' } = selection
    const count = store.deadLetters.count(destinationId)
    perDestination = count > 0 ? { [destinationId]: count } : {}
  } else {
    perDestination = {}
    for (const id of new Set(selection.ids)) {
      const found = store.deadLetters.get(id)
      if (!found || (selection.destinationId && found.destinationId !== selection.destinationId))
        missingIds.push(id)
      else perDestination[found.destinationId] = (perDestination[found.destinationId] ?? 0) + 1
    }
  }
  const total = Object.values(perDestination).reduce((sum, n) => sum + n, 0)
  return { total, perDestination, missingIds }
}

/**
 * Runs a store call (`replay` or `purge`) over a selection and returns how many it moved.
 * The store needs ids or a destination, so `--all` is one call per destination.
 *
 * @example
 * const purged = applyTo(store, { all: true }, (selector) => store.deadLetters.purge(selector))
 */
export function applyTo(
  store: Store,
  selection: Selection,
  call: (selector: DeadLetterSelector) => number,
): number {
  if (!selection.all) return call({ ids: selection.ids, destinationId: selection.destinationId })
  let moved = 0
  for (const destinationId of Object.keys(store.stats().deadLetters)) moved += call({ destinationId })
  return moved
}
