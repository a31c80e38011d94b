import type { LoadedPipeline } from '@patchbay/core'
import { UsageError } from './_exit.ts'

/** Jobs the `--warehouse` destination's workers claim at a time (see docs/destinations/duckdb.md). */
const WAREHOUSE_CLAIM = 1_000

/**
 * The pipeline with a DuckDB warehouse destination (id `warehouse`) added; with the
 * built-in pipeline, instead of its receiver. Its workers claim WAREHOUSE_CLAIM jobs at a time.
 */
export function withWarehouse(loaded: LoadedPipeline, file: string, replace: boolean): LoadedPipeline {
  const { definition } = loaded
  if (definition.destinations.some((d) => d.id === 'warehouse'))
    throw new UsageError(
      `--warehouse adds a destination with id "warehouse", and ${loaded.file} has one already: rename it, or configure the warehouse in the pipeline instead`,
    )
  const warehouse = { id: 'warehouse', use: '@patchbay/destination-duckdb', config: { path: file } }
  // A claim is one load (one transaction): 1,000 jobs, not the gateway's 100 for HTTP.
  // (A gateway block that is not an object is left as it is: the gateway reports it.)
  const gateway = definition.gateway ?? {}
  const others = isRecord(gateway) ? (gateway.destinations ?? {}) : undefined
  const withClaim =
    isRecord(gateway) && isRecord(others)
      ? { ...gateway, destinations: { ...others, warehouse: { claim: WAREHOUSE_CLAIM } } }
      : gateway
  return {
    ...loaded,
    definition: {
      ...definition,
      gateway: withClaim,
      destinations: [
        ...(replace ? [] : definition.destinations),
        warehouse,
      ] as typeof definition.destinations,
    },
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
