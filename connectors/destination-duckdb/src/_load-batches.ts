import { AbortedError } from '@patchbay/core'
import type { WarehouseEvent } from '@patchbay/warehouse'
import type { BatchOutcome } from './_load-group.ts'
import { loadBatch, readSchema } from './_loader.ts'
import { isTransient } from './_transient.ts'
import type { DuckdbClient } from './destination.ts'

/** An event's result: loaded (null), or refused by the engine for its data. */
export type LoadResult = null | AbortedError

/**
 * Loads a group of batches (see `_load-group.ts`) in one transaction. When the engine
 * refuses the group for its data, each batch is loaded on its own, so that one batch's bad
 * event costs the others nothing; a batch it refuses is loaded event by event, so only the
 * events it refuses fail (and become dead letters). A transient error (a lock, I/O) fails
 * every batch still to load: the caller retries them.
 */
export async function loadGroup(
  client: DuckdbClient,
  batches: ReadonlyArray<readonly WarehouseEvent[]>,
): Promise<Array<BatchOutcome<LoadResult>>> {
  if (batches.length > 1) {
    try {
      await load(client, batches.flat())
      return batches.map((events) => ({ ok: events.map(() => null) }))
    } catch (error) {
      if (isTransient(error)) return batches.map(() => ({ error }))
    }
  }
  const outcomes: Array<BatchOutcome<LoadResult>> = []
  for (const events of batches) {
    try {
      outcomes.push({ ok: await loadAlone(client, events) })
    } catch (error) {
      outcomes.push({ error })
    }
  }
  return outcomes
}

/** One batch in one transaction, or event by event when the engine refuses it for its data. */
async function loadAlone(client: DuckdbClient, events: readonly WarehouseEvent[]): Promise<LoadResult[]> {
  try {
    await load(client, events)
    return events.map(() => null)
  } catch (error) {
    if (events.length === 1 || isTransient(error)) throw error
  }
  const results: LoadResult[] = []
  for (const event of events) {
    try {
      await load(client, [event])
      results.push(null)
    } catch (one) {
      if (isTransient(one)) throw one
      const text = one instanceof Error ? one.message : String(one)
      results.push(new AbortedError(`DuckDB refused event ${event.messageId}: ${text}`, { cause: one }))
    }
  }
  return results
}

async function load(client: DuckdbClient, events: readonly WarehouseEvent[]): Promise<void> {
  client.schema ??= await readSchema(client.connection, client.schemaName)
  try {
    await loadBatch(client.connection, client.schema, client.schemaName, events, client.cache)
  } catch (error) {
    client.schema = undefined // read again: the failed load may have raced another writer
    throw error
  }
}
