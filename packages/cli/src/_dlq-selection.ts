import type { DeadLetterSelector } from '@patchbay/server'
import type { DlqBackend } from './_dlq-backend.ts'
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
 * Looks up what `selection` matches without changing anything (ids one by one, counts per
 * destination for the rest).
 *
 * @example
 * await match(backend, { all: false, ids: [1, 9] }) // { total: 1, perDestination: { crm: 1 }, missingIds: [9] }
 */
export async function match(backend: DlqBackend, selection: Selection): Promise<Matched> {
  let perDestination: Record<string, number>
  const missingIds: number[] = []
  if (selection.all) perDestination = await backend.counts()
  else if (!selection.ids) {
    const { destinationId = '' } = selection
    const count = (await backend.counts())[destinationId] ?? 0
    perDestination = count > 0 ? { [destinationId]: count } : {}
  } else {
    perDestination = {}
    for (const id of new Set(selection.ids)) {
      const found = await backend.get(id)
      if (!found || (selection.destinationId && found.destinationId !== selection.destinationId))
        missingIds.push(id)
      else perDestination[found.destinationId] = (perDestination[found.destinationId] ?? 0) + 1
    }
  }
  const total = Object.values(perDestination).reduce((sum, n) => sum + n, 0)
  return { total, perDestination, missingIds }
}

/**
 * Runs a backend call (`replay` or `purge`) over a selection and returns how many it moved.
 * The backends need ids or a destination, so `--all` is one call per destination.
 *
 * @example
 * const purged = await applyTo(backend, { all: true }, (selector) => backend.purge(selector))
 */
export async function applyTo(
  backend: DlqBackend,
  selection: Selection,
  call: (selector: DeadLetterSelector) => Promise<number>,
): Promise<number> {
  if (!selection.all) return call({ ids: selection.ids, destinationId: selection.destinationId })
  let moved = 0
  for (const destinationId of Object.keys(await backend.counts())) moved += await call({ destinationId })
  return moved
}
